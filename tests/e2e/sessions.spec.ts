import { bothWidths, companyFromOperator, createUserWithPassword, FIREFOX_ON_WINDOWS, signIn } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 19 item 17 (decision 0048): one user in two browsers sees both sessions in account settings
// and signs the other out; an administrator signs the user out everywhere from the user's page.

const ADMIN = { company: "Vance Cold Storage", name: "Bob Vance", email: "bob@vancecold.test", password: "cold storage for the whole of scranton" };
const PHYLLIS = { name: "Phyllis Vance", email: "phyllis@vancecold.test", password: "knitting needles and a warm scarf", role: "user" };

test("a user signs out another of their sessions; an administrator signs a user out everywhere", async ({ page, browser, baseURL, latchkey, mailbox, shot, expectAccessible }) => {
  await companyFromOperator(page, latchkey.operator, mailbox, ADMIN);
  const phyllisId = await createUserWithPassword(page, mailbox, PHYLLIS);

  const laptopContext = await browser.newContext({ baseURL });
  const laptop = await laptopContext.newPage();
  const desktopContext = await browser.newContext({ baseURL, userAgent: FIREFOX_ON_WINDOWS });
  const desktop = await desktopContext.newPage();
  for (const tab of [laptop, desktop]) {
    await tab.goto("/login");
    await signIn(tab, PHYLLIS.email, PHYLLIS.password);
    await expect(tab).toHaveURL(/\/company$/);
  }

  await test.step("account settings list both sessions: device, address, signed in, last seen; this browser marked", async () => {
    await laptop.goto("/account");
    const section = laptop.getByRole("region", { name: "Where you're signed in" });
    const table = section.getByRole("table", { name: "Your sessions, the most recently seen first" });
    await expect(table.getByRole("row")).toHaveCount(3);
    await expect(table.getByRole("row", { name: /Chrome on Linux.*This browser/ })).toBeVisible();
    await expect(table.getByRole("row", { name: /Firefox on Windows/ })).toBeVisible();
    await expect(table.getByRole("row", { name: /This browser/ }).getByRole("button")).toHaveCount(0);
    await section.scrollIntoViewIfNeeded();
    await bothWidths(laptop, "account-sessions", shot, expectAccessible);
  });

  await test.step("Sign out on the other row: that browser is signed out, this one is not", async () => {
    const section = laptop.getByRole("region", { name: "Where you're signed in" });
    await section.getByRole("button", { name: /^Sign out Firefox on Windows/ }).click();
    const dialog = laptop.getByRole("dialog", { name: "Sign out Firefox on Windows?" });
    await dialog.getByRole("button", { name: "Sign out" }).click();
    await expect(section.getByText("Firefox on Windows was signed out.")).toBeVisible();
    await expect(section.getByRole("table").getByRole("row")).toHaveCount(2);
    await expect(section.getByRole("button", { name: "Sign out everywhere else" })).toHaveCount(0);
    await desktop.goto("/account");
    await expect(desktop).toHaveURL(/\/login/);
    await laptop.reload();
    await expect(laptop.getByRole("heading", { level: 1, name: "Account settings" })).toBeVisible();
  });

  await test.step("the administrator sees Phyllis's session on her page and signs her out everywhere; she is emailed", async () => {
    await page.goto(`/company/users/${phyllisId}`);
    const section = page.getByRole("region", { name: "Sessions", exact: true });
    await expect(section.getByRole("table", { name: `Sessions of ${PHYLLIS.name}, the most recently seen first` }).getByRole("row", { name: /Chrome on Linux/ })).toBeVisible();
    await section.scrollIntoViewIfNeeded();
    await bothWidths(page, "user-sessions", shot, expectAccessible);
    await section.getByRole("button", { name: "Sign out everywhere" }).click();
    const dialog = page.getByRole("dialog", { name: `Sign ${PHYLLIS.name} out everywhere?` });
    await expect(dialog).toContainText(PHYLLIS.email);
    await dialog.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(page.getByText(`${PHYLLIS.name} was signed out of 1 session. We emailed ${PHYLLIS.email}.`)).toBeVisible();
    await expect(section).toContainText("Not signed in anywhere");
    await laptop.goto("/account");
    await expect(laptop).toHaveURL(/\/login/);
    const email = await mailbox.waitFor((m) => m.to.includes(PHYLLIS.email) && /signed you out/.test(m.subject), 30_000);
    expect(email.subject).toBe(`${ADMIN.name} signed you out of Latchkey everywhere`);
  });

  await laptopContext.close();
  await desktopContext.close();
});
