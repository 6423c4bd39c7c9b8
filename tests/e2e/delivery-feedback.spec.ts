import { bothWidths, companyFromOperator, createUserWithPassword, FIREFOX_ON_WINDOWS, signIn } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 19 items 9 and 18 (decision 0051): while the mail server turns a reset email away, the user
// page says "queued" and why, and flips to "sent" by itself once it goes; the user's recent sign-ins.

const ADMIN = { company: "Kessler Mail Room", name: "Ada Kessler", email: "ada@kesslermail.test", password: "sorting letters by the light of the window" };
const OTTO = { name: "Otto Brandt", email: "otto@kesslermail.test", password: "a parcel wrapped in brown paper and string", role: "user" };

test("a reset email held back by the mail server shows as queued with its reason, then as sent without a reload; the user's sign-ins", async ({ page, browser, baseURL, latchkey, mailbox, shot, expectAccessible }) => {
  await companyFromOperator(page, latchkey.operator, mailbox, ADMIN);
  const ottoId = await createUserWithPassword(page, mailbox, OTTO);

  const elsewhere = await browser.newContext({ baseURL, userAgent: FIREFOX_ON_WINDOWS });
  const tab = await elsewhere.newPage();
  await tab.goto("/login");
  await signIn(tab, OTTO.email, "not the right password at all");
  await expect(tab.getByRole("alert")).toBeVisible();
  await signIn(tab, OTTO.email, OTTO.password);
  await expect(tab).toHaveURL(/\/company$/);
  await elsewhere.close();

  await page.goto(`/company/users/${ottoId}`);
  await test.step("Recent sign-ins: the success and the wrong password, with device and address", async () => {
    const section = page.getByRole("region", { name: "Recent sign-ins" });
    const table = section.getByRole("table", { name: `Sign-ins of ${OTTO.name}, the most recent first` });
    await expect(table.getByRole("row", { name: /Signed in.*Firefox on Windows.*127\.0\.0\.1/ })).toBeVisible();
    await expect(table.getByRole("row", { name: /Wrong password.*Firefox on Windows/ })).toBeVisible();
    await section.scrollIntoViewIfNeeded();
    await bothWidths(page, "user-sign-ins", shot, expectAccessible);
  });

  // Only Otto's address is turned away (451), so other journeys on this server keep their mail.
  mailbox.tempfailFor([OTTO.email]);
  // The page's own banner, under its header (the sections' forms have theirs).
  const banner = page.locator(".form-result").first();
  const resets = page.getByRole("region", { name: `Links sent to ${OTTO.name}` });
  try {
    await test.step("Reset password: the banner says queued, the row says why it has not left", async () => {
      await page.getByRole("button", { name: "Reset password" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Send reset link" }).click();
      await expect(banner).toContainText(`The password reset link to ${OTTO.email} is queued`);
      const row = resets.getByRole("row", { name: /Password reset/ }).first();
      await expect(row).toContainText("Retrying", { timeout: 15_000 });
      await expect(row).toContainText("The mail server asked to try again later. Latchkey keeps trying.");
      await expect(banner).toContainText("is queued, not sent yet. The mail server asked to try again later.");
      await bothWidths(page, "reset-queued", shot, expectAccessible);
    });
  } finally {
    mailbox.tempfailFor([]);
  }

  await test.step("the mail server takes it: row and banner say sent, with no reload", async () => {
    // The retries back off (5 s, 10 s, 20 s, 40 s…): however long the step above took on this
    // machine, the next attempt is at most one back-off away once the server takes the address again.
    await expect(resets.getByRole("row", { name: /Password reset/ }).first()).toContainText("Sent", { timeout: 90_000 });
    await expect(banner).toContainText(`The password reset link was sent to ${OTTO.email}.`);
    await expect(resets.getByText("The mail server asked")).toHaveCount(0);
    await shot("reset-sent-1280", page);
  });

  // A refusal is the server's final word: the email fails at once. Put back straight after.
  mailbox.setMode("permfail");
  try {
    await test.step("the mail server refuses the address: the banner and the row say so, and offer Send again", async () => {
      await page.getByRole("button", { name: "Reset password" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Send reset link" }).click();
      await expect(banner).toContainText(`The password reset link to ${OTTO.email} could not be sent. The mail server refused the address.`, { timeout: 15_000 });
      await expect(resets.getByRole("row", { name: /Password reset/ }).first()).toContainText("Failed");
      await resets.scrollIntoViewIfNeeded();
      await shot("reset-failed-1280", page);
    });
  } finally {
    mailbox.setMode("accept");
  }

  await test.step("Send again from the row: a new link, queued, then sent", async () => {
    await resets.getByRole("button", { name: /^Send again/ }).click();
    await expect(banner).toContainText(`The password reset link was sent to ${OTTO.email}.`, { timeout: 15_000 });
    await expect(resets.getByRole("row", { name: /Password reset/ }).first()).toContainText("Sent");
    await expect(resets.getByRole("button", { name: /^Send again/ })).toHaveCount(0);
  });
});
