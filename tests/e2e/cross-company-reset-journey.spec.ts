import { apiWrite, createUserWithPassword, linkFor, ownCompanyId, registerCompany, signIn } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// The second half of the product's how-to (issue 4), word for word:
// "If you are a multi-company profile user with permission to manage a linked company, you can trigger
// a password reset email for users associated with a company that you manage. Access company users for
// the required linked company → in the extra section select the [company] users tab → click the name of
// the user → click the reset password button at the top of the page → the user receives an email with a
// link to change their password, valid for 24 hours."

const PARENT = { company: "Umbrella Partners", name: "Alice Avery", email: "alice@umbrella.test", password: "the agency keeps every key in a drawer" };
const MEMBER = { name: "Marco Ruiz", email: "marco@umbrella.test", password: "a manager with a grant and a plan", role: "manager" };
const LINKED = { name: "Acme Dental", adminName: "Liam Brook", adminEmail: "liam@acme-dental.test" };
const NORA = { name: "Nora Quinn", email: "nora@acme-dental.test", password: "brush twice a day and floss daily", next: "a brand new password for the clinic", role: "user" };

test("a team member with a grant switches into the linked company and resets a native user's password; the parent's audit log shows both companies", async ({
  page,
  browser,
  baseURL,
  latchkey,
  mailbox,
  shot,
  expectAccessible,
}) => {
  // The scene: the operator makes Umbrella Partners a multi-company profile; Alice (its administrator)
  // opens Acme Dental as a linked company, invites Marco as a manager with a grant for it, and Nora
  // is a native user of Acme Dental with a password of her own.
  await registerCompany(page, PARENT);
  await latchkey.operator(["mark-multi-company", "--id", await ownCompanyId(page), "--allowance", "3"]);
  const { company: linked } = await apiWrite<{ company: { id: string } }>(page, "POST", "/managed-companies", LINKED);
  const marcoId = await createUserWithPassword(page, mailbox, MEMBER);
  await apiWrite(page, "PUT", `/users/${marcoId}/managed-companies/${linked.id}`);
  await apiWrite(page, "POST", "/session/switch", { companyId: linked.id });
  await createUserWithPassword(page, mailbox, NORA);
  await apiWrite(page, "POST", "/session/switch-back");

  const marco = await browser.newContext({ baseURL });
  const marcoPage = await marco.newPage();

  await test.step("the team member signs in and opens the managed companies of their profile", async () => {
    await marcoPage.goto("/login");
    await signIn(marcoPage, MEMBER.email, MEMBER.password);
    await expect(marcoPage).toHaveURL(`${baseURL}/company`);
    await expect(marcoPage.getByRole("banner")).toContainText(PARENT.company);
    await marcoPage.getByRole("link", { name: "Managed companies" }).click();
    await expect(marcoPage).toHaveURL(`${baseURL}/company/managed-companies`);
    const row = marcoPage.getByRole("row", { name: new RegExp(LINKED.name) });
    await expect(row).toBeVisible();
    await expect(marcoPage.getByText("Allowance: 1 of 3 created", { exact: true })).toBeVisible();
    await expectAccessible(marcoPage);
    await shot("member-managed-companies", marcoPage);
  });

  await test.step("access company users for the required linked company: switch into it", async () => {
    await marcoPage.getByRole("button", { name: `Switch to ${LINKED.name}` }).click();
    await expect(marcoPage).toHaveURL(`${baseURL}/company`);
    await expect(marcoPage.getByRole("heading", { level: 1, name: LINKED.name })).toBeVisible();
    // The header always shows the acting company, and whose behalf the member works on.
    await expect(marcoPage.getByRole("banner")).toContainText(LINKED.name);
    await expect(marcoPage.getByRole("region", { name: "Linked company" })).toContainText(`You are working in ${LINKED.name} on behalf of ${PARENT.company}.`);
    await expect(marcoPage.getByRole("button", { name: "Switch to original company" })).toBeVisible();
  });

  await test.step("in the extra section, the [company] users tab; click the name of the user", async () => {
    const extra = marcoPage.getByRole("region", { name: "Extra" });
    await extra.getByRole("link", { name: `${LINKED.name} users` }).click();
    await expect(marcoPage).toHaveURL(`${baseURL}/company/users`);
    await expect(extra.getByRole("link", { name: `${LINKED.name} users` })).toHaveAttribute("aria-current", "page");
    await expect(extra.getByRole("row", { name: new RegExp(NORA.email) })).toBeVisible();
    await expectAccessible(marcoPage);
    await shot("linked-company-users", marcoPage);
    await extra.getByRole("link", { name: NORA.name }).click();
    await expect(marcoPage.getByRole("heading", { level: 1, name: NORA.name })).toBeVisible();
  });

  await test.step("click the reset password button at the top of the page", async () => {
    await marcoPage.getByRole("button", { name: "Reset password" }).click();
    const dialog = marcoPage.getByRole("dialog", { name: `Reset the password of ${NORA.name}?` });
    await dialog.getByRole("button", { name: "Send reset link" }).click();
    await expect(dialog).toBeHidden();
    await expect(marcoPage.getByRole("status").filter({ hasText: `The password reset link was sent to ${NORA.email}. It is valid for 24 hours.` })).toBeVisible();
    const history = marcoPage.getByRole("table", { name: /Password resets/ });
    await expect(history.getByRole("row").nth(1)).toContainText(MEMBER.name);
    await expect(history.getByRole("row").nth(1)).toContainText(PARENT.company);
    await shot("reset-sent", marcoPage);
  });

  await test.step("the user receives an email naming the member and their company, with a link valid for 24 hours", async () => {
    const email = await mailbox.waitFor((m) => m.to.includes(NORA.email) && /reset/i.test(m.subject), 30_000);
    expect(email.subject).toBe(`${MEMBER.name} asked to reset your Latchkey password`);
    expect(email.text).toContain(`${MEMBER.name} (manager at ${PARENT.company}) asked, on behalf of ${LINKED.name}, to reset your password.`);
    expect(email.text).toMatch(/expires on/);
  });

  const link = await linkFor(mailbox, NORA.email, "/reset-password#token=", /reset/i);
  expect(link.startsWith(`${baseURL}/reset-password#token=`)).toBe(true);
  const nora = await browser.newContext({ baseURL });
  const noraPage = await nora.newPage();

  await test.step("the user opens the link, chooses a new password, and signs in with it", async () => {
    await noraPage.goto(link);
    await expect(noraPage.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
    await noraPage.getByLabel("New password", { exact: true }).fill(NORA.next);
    await noraPage.getByLabel("Confirm new password").fill(NORA.next);
    await noraPage.getByRole("button", { name: "Change password" }).click();
    await expect(noraPage.getByRole("heading", { level: 1, name: "Your password was changed" })).toBeVisible();
    await noraPage.goto("/login");
    await signIn(noraPage, NORA.email, NORA.next);
    await expect(noraPage).toHaveURL(`${baseURL}/company`);
    await expect(noraPage.getByRole("banner")).toContainText(LINKED.name);
  });

  await test.step("the team member switches back to the original company", async () => {
    await marcoPage.getByRole("button", { name: "Switch to original company" }).click();
    await expect(marcoPage).toHaveURL(`${baseURL}/company/managed-companies`);
    await expect(marcoPage.getByRole("banner")).toContainText(PARENT.company);
    await expect(marcoPage.getByRole("region", { name: "Linked company" })).toHaveCount(0);
  });

  await test.step("the parent's administrator opens the audit log and sees the reset with both companies", async () => {
    await page.goto("/company");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await page.getByLabel("Company", { exact: true }).selectOption({ label: `${PARENT.company} and its linked companies` });
    await page.getByLabel("Action").selectOption({ label: "Password reset requested" });
    const table = page.getByRole("table", { name: "Audit events, newest first" });
    const reset = table.getByRole("row").filter({ hasText: NORA.email });
    await expect(reset).toHaveCount(1);
    await expect(reset).toContainText("Password reset requested");
    await expect(reset).toContainText("through a management grant");
    await expect(reset).toContainText(MEMBER.name);
    await expect(reset).toContainText(PARENT.company);
    await expect(reset.getByRole("cell").nth(2)).toHaveText(LINKED.name);
    await expect(reset).toContainText(NORA.name);
    await expectAccessible();
    await shot("audit-log-reset");

    // Nora's own completion of the reset is Acme Dental's event, seen by its parent too.
    await page.getByLabel("Action").selectOption({ label: "Password reset completed" });
    await expect(table.getByRole("row").filter({ hasText: NORA.email })).toContainText(LINKED.name);
  });

  await marco.close();
  await nora.close();
});
