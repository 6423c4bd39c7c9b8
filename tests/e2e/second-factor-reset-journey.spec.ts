import { apiWrite, bothWidths, companyFromOperator, createUserWithPassword, signIn } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 18, for administrators: the seed-001 steps with Reset two-factor instead of Reset password —
// "company profile → the [company] users tab → click the name of the user who is locked out → Reset
// two-factor at the top of the page" — and the seed-000 steps for a team member in a linked company.
// The locked-out user's factors are given by writing their rows (tests/e2e/support/give-second-factor.ts).

const GIVE = "tests/e2e/support/give-second-factor.ts";

const ADMIN = { company: "Dunder Mifflin Scranton", name: "Jan Levinson", email: "jan@dunder-scranton.test", password: "corporate keeps the paper moving" };
const DWIGHT = { name: "Dwight Schrute", email: "dwight@dunder-scranton.test", password: "bears beets battlestar galactica", role: "user" };

test("an administrator resets a locked-out user's second factor from the user's page: factors gone, old session ended, the user is emailed who did it", async ({
  page,
  browser,
  baseURL,
  latchkey,
  mailbox,
  shot,
  expectAccessible,
}) => {
  // From the operator: the worker's server allows ten registrations an hour from one address (tests/e2e/README).
  await companyFromOperator(page, latchkey.operator, mailbox, ADMIN);
  const dwightId = await createUserWithPassword(page, mailbox, DWIGHT);
  // Dwight signed in on a computer that is still signed in — the reset must end that session — then
  // set up an authenticator app and two passkeys, and lost his phone.
  const dwightBefore = await browser.newContext({ baseURL });
  const oldSession = await dwightBefore.newPage();
  await oldSession.goto("/login");
  await signIn(oldSession, DWIGHT.email, DWIGHT.password);
  await expect(oldSession).toHaveURL(`${baseURL}/company`);
  await latchkey.script(GIVE, [DWIGHT.email, "2", "10"]);

  await test.step("the administrator filters the users list to those without a second factor", async () => {
    await page.goto("/company");
    const extra = page.getByRole("region", { name: "Extra" });
    await extra.getByRole("link", { name: `${ADMIN.company} users` }).click();
    await page.getByLabel("Second factor", { exact: true }).selectOption({ label: "No second factor" });
    const list = extra.getByRole("table", { name: `${ADMIN.company} users, without a second factor` });
    await expect(list.getByRole("row", { name: new RegExp(ADMIN.name) })).toBeVisible();
    await expect(list.getByRole("row", { name: new RegExp(DWIGHT.name) })).toHaveCount(0);
    await expectAccessible();
    await shot("users-without-second-factor");
    await page.getByLabel("Second factor", { exact: true }).selectOption({ label: "Any" });
    await expect(extra.getByRole("row", { name: new RegExp(DWIGHT.name) })).toBeVisible();
  });

  await test.step("the administrator opens the user's page, which shows the kinds of second factor, never a secret", async () => {
    await page.getByRole("region", { name: "Extra" }).getByRole("link", { name: DWIGHT.name }).click();
    await expect(page).toHaveURL(`${baseURL}/company/users/${dwightId}`);
    const section = page.getByRole("region", { name: "Two-factor sign-in" });
    await expect(section).toContainText("Authenticator app");
    await expect(section).toContainText("Set up");
    await expect(section).toContainText("2 passkeys");
    await expect(section).toContainText("Recovery codes left10");
    await expect(section).toContainText("No two-factor resets yet");
    await bothWidths(page, "user-with-second-factor", shot, expectAccessible);
  });

  await test.step("Reset two-factor beside Reset password, with the same confirmation, by keyboard", async () => {
    await expect(page.getByRole("button", { name: "Reset password" })).toBeVisible();
    const button = page.getByRole("button", { name: "Reset two-factor" });
    await button.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Reset the two-factor sign-in of ${DWIGHT.name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expect(dialog).toContainText("Their password does not change.");
    await expectAccessible();
    await shot("reset-two-factor-confirm");
    // Escape changes nothing.
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(button).toBeFocused();
    await page.keyboard.press("Enter");
    await dialog.getByRole("button", { name: "Reset two-factor" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("status").filter({ hasText: `The two-factor sign-in of ${DWIGHT.name} was reset.` })).toBeVisible();
  });

  await test.step("the page now says there is nothing to reset, and the history names who did it", async () => {
    const section = page.getByRole("region", { name: "Two-factor sign-in" });
    await expect(section).toContainText("No second factor");
    await expect(section).toContainText("Set-up due");
    await expect(page.getByRole("button", { name: "Reset two-factor" })).toHaveCount(0);
    await expect(section).toContainText(`Reset two-factor is not available: ${DWIGHT.name}'s second factor was already reset`);
    const history = section.getByRole("table", { name: /Two-factor resets/ });
    await expect(history.getByRole("row").nth(1)).toContainText(ADMIN.name);
    await expect(history.getByRole("row").nth(1)).toContainText("Authenticator app, 2 passkeys, 10 recovery codes");
    await expect(history.getByRole("row").nth(1).getByText("Sent", { exact: true })).toBeVisible({ timeout: 30_000 });
    await bothWidths(page, "reset-two-factor-done", shot, expectAccessible);
  });

  await test.step("the user is emailed who did it and for which company; their password is unchanged", async () => {
    const email = await mailbox.waitFor((m) => m.to.includes(DWIGHT.email) && /two-factor/.test(m.subject), 30_000);
    expect(email.subject).toBe(`${ADMIN.name} reset the two-factor sign-in of your Latchkey account`);
    expect(email.text).toContain(`${ADMIN.name}, administrator of ${ADMIN.company}, reset the two-factor sign-in of your account`);
    expect(email.text).toContain("Your password has not changed.");
  });

  await test.step("the user's old browser session is signed out, and at the next sign-in they set up a second factor again", async () => {
    await oldSession.reload();
    await expect(oldSession).toHaveURL(`${baseURL}/login?next=%2Fcompany`);
    await signIn(oldSession, DWIGHT.email, DWIGHT.password);
    await expect(oldSession.getByRole("heading", { level: 1, name: "Set up two-factor authentication" })).toBeVisible();
  });
  await dwightBefore.close();
});

test("the administrator sets the company's two-factor policy; a manager sees it but cannot change it", async ({ page, browser, baseURL, latchkey, mailbox, shot, expectAccessible }) => {
  const owner = { company: "Vance Refrigeration", name: "Bob Vance", email: "bob@vance.test", password: "keeps it cold in every single season" };
  const phyllis = { name: "Phyllis Lapin", email: "phyllis@vance.test", password: "knitting a scarf for the whole office", role: "manager" };
  await companyFromOperator(page, latchkey.operator, mailbox, owner);
  await createUserWithPassword(page, mailbox, phyllis);
  await page.goto("/company");
  const card = page.getByRole("region", { name: "Two-factor sign-in" });
  await card.getByLabel("Require a second factor").check();
  await card.getByLabel("Grace period (days)").fill("91");
  await card.getByRole("button", { name: "Save two-factor policy" }).click();
  await expect(card.getByText("Enter a whole number of days from 0 to 90.")).toBeVisible();
  await expect(card.getByLabel("Grace period (days)")).toBeFocused();
  await card.getByLabel("Grace period (days)").fill("14");
  await card.getByLabel("Allow sign-in with a passkey alone").check();
  await card.getByRole("button", { name: "Save two-factor policy" }).click();
  await expect(card.getByRole("status").filter({ hasText: "Two-factor policy saved." })).toBeVisible();
  await expect(card).toContainText("Required since");
  await bothWidths(page, "two-factor-policy", shot, expectAccessible);

  const manager = await browser.newContext({ baseURL });
  const managerPage = await manager.newPage();
  await managerPage.goto("/login");
  await signIn(managerPage, phyllis.email, phyllis.password);
  const seen = managerPage.getByRole("region", { name: "Two-factor sign-in" });
  await expect(seen).toContainText("A second factor is required");
  await expect(seen).toContainText("14 days");
  await expect(seen.getByRole("button", { name: "Save two-factor policy" })).toHaveCount(0);
  await expectAccessible(managerPage);
  await manager.close();
});

const PARENT = { company: "Sabre Holdings", name: "Jo Bennett", email: "jo@sabre.test", password: "printers that do not catch fire" };
const MEMBER = { name: "Gabe Lewis", email: "gabe@sabre.test", password: "a coordinator with a grant", role: "manager" };
const LINKED = { name: "Scranton Branch", adminName: "Michael Scott", adminEmail: "michael@scranton.test" };
const PAM = { name: "Pam Beesly", email: "pam@scranton.test", password: "reception desk art school dreams", role: "user" };

test("a team member with a grant switches into the linked company and resets a native user's second factor; the email names both companies", async ({
  page,
  browser,
  baseURL,
  latchkey,
  mailbox,
  shot,
  expectAccessible,
}) => {
  const parentId = await companyFromOperator(page, latchkey.operator, mailbox, PARENT);
  await latchkey.operator(["mark-multi-company", "--id", parentId, "--allowance", "3"]);
  const { company: linked } = await apiWrite<{ company: { id: string } }>(page, "POST", "/managed-companies", LINKED);
  const gabeId = await createUserWithPassword(page, mailbox, MEMBER);
  await apiWrite(page, "PUT", `/users/${gabeId}/managed-companies/${linked.id}`);
  await apiWrite(page, "POST", "/session/switch", { companyId: linked.id });
  await createUserWithPassword(page, mailbox, PAM);
  await apiWrite(page, "POST", "/session/switch-back");
  await latchkey.script(GIVE, [PAM.email, "0", "10"]);

  const gabe = await browser.newContext({ baseURL });
  const gabePage = await gabe.newPage();
  await gabePage.goto("/login");
  await signIn(gabePage, MEMBER.email, MEMBER.password);
  await expect(gabePage).toHaveURL(`${baseURL}/company`);

  await test.step("switch into the linked company, its users tab, the user's name", async () => {
    await gabePage.getByRole("link", { name: "Managed companies" }).click();
    await gabePage.getByRole("button", { name: `Switch to ${LINKED.name}` }).click();
    await expect(gabePage.getByRole("heading", { level: 1, name: LINKED.name })).toBeVisible();
    const extra = gabePage.getByRole("region", { name: "Extra" });
    await extra.getByRole("link", { name: `${LINKED.name} users` }).click();
    await extra.getByRole("link", { name: PAM.name }).click();
    await expect(gabePage.getByRole("heading", { level: 1, name: PAM.name })).toBeVisible();
    await expect(gabePage.getByRole("region", { name: "Two-factor sign-in" })).toContainText("Set up");
  });

  await test.step("Reset two-factor at the top of the page", async () => {
    await gabePage.getByRole("button", { name: "Reset two-factor" }).click();
    const dialog = gabePage.getByRole("dialog", { name: `Reset the two-factor sign-in of ${PAM.name}?` });
    await dialog.getByRole("button", { name: "Reset two-factor" }).click();
    await expect(dialog).toBeHidden();
    await expect(gabePage.getByRole("status").filter({ hasText: `The two-factor sign-in of ${PAM.name} was reset.` })).toBeVisible();
    const history = gabePage.getByRole("table", { name: /Two-factor resets/ });
    await expect(history.getByRole("row").nth(1)).toContainText(MEMBER.name);
    await expect(history.getByRole("row").nth(1)).toContainText(`${PARENT.company} (team member)`);
    await expectAccessible(gabePage);
    await shot("linked-reset-two-factor-done", gabePage);
  });

  await test.step("the user receives an email naming the member, their company and the linked company", async () => {
    const email = await mailbox.waitFor((m) => m.to.includes(PAM.email) && /two-factor/.test(m.subject), 30_000);
    expect(email.subject).toBe(`${MEMBER.name} reset the two-factor sign-in of your Latchkey account`);
    expect(email.text).toContain(`${MEMBER.name} (manager at ${PARENT.company}), on behalf of ${LINKED.name}, reset the two-factor sign-in of your account`);
  });

  await test.step("the parent's administrator sees it in the audit log with both companies", async () => {
    await page.goto("/company");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    // The company page also has a field whose label contains "Company": wait for the audit log before choosing.
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await page.getByLabel("Company", { exact: true }).selectOption({ label: `${PARENT.company} and its linked companies` });
    await page.getByLabel("Action").selectOption({ label: "Two-factor reset" });
    const row = page.getByRole("table", { name: "Audit events, newest first" }).getByRole("row").filter({ hasText: PAM.email });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("through a management grant");
    await expect(row).toContainText(MEMBER.name);
  });
  await gabe.close();
});
