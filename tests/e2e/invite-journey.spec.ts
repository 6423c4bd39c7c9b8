import { expect, test } from "./support/fixtures.ts";

const ADMIN = { company: "Acme", name: "Ada Lovelace", email: "ada@acme.test", password: "analytical engine punch cards 1843" };
const INVITEE = { name: "Grace Hopper", email: "grace@acme.test", password: "compilers make bugs visible 1952" };

test("an administrator registers, invites a colleague, and the colleague joins with the emailed link", async ({ page, browser, baseURL, mailbox, shot, expectAccessible }) => {
  await test.step("register a company", async () => {
    await page.goto("/register");
    await expect(page.getByRole("heading", { level: 1, name: "Register your company" })).toBeVisible();
    await expectAccessible();
    await shot("register");
    await page.getByLabel("Company name").fill(ADMIN.company);
    await page.getByLabel("Your name").fill(ADMIN.name);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/company$/);
    await expect(page.getByRole("banner")).toContainText(ADMIN.company);
  });

  await test.step("open the company profile and its users tab", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Company profile" }).click();
    await expect(page.getByRole("heading", { level: 1, name: ADMIN.company })).toBeVisible();
    await expect(page.getByRole("heading", { level: 2, name: "General details" })).toBeVisible();
    await expect(page.getByRole("table")).toContainText(ADMIN.name);
    await expectAccessible();
    await shot("company-profile");

    const tab = page.getByRole("link", { name: `${ADMIN.company} users` });
    await tab.click();
    await expect(page).toHaveURL(/\/company\/users$/);
    await expect(tab).toHaveAttribute("aria-current", "page");
    await expect(page.getByText("1 user", { exact: true })).toBeVisible();
  });

  await test.step("create a user, which sends an invitation", async () => {
    await page.getByRole("link", { name: "Create user" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Create user" })).toBeVisible();
    await expect(page.getByLabel("Role").locator("option")).toHaveText(["Manager", "User", "Read-only"]);
    await expectAccessible();
    await shot("create-user");
    await page.getByLabel("Name").fill(INVITEE.name);
    await page.getByLabel("Email").fill(INVITEE.email);
    await page.getByLabel("Role").selectOption({ label: "User" });
    await page.getByRole("button", { name: "Create user" }).click();

    await expect(page).toHaveURL(/\/company\/users\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1, name: INVITEE.name })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: `Invitation sent to ${INVITEE.email}.` })).toBeVisible();
    await expect(page.getByRole("button", { name: "Reset password" })).toBeVisible();
    await expect(page.getByRole("table", { name: /Password resets/ })).toContainText("Invitation");
    await expectAccessible();
    await shot("user-page");
  });

  const invitation = await mailbox.waitFor({ to: INVITEE.email }, 30_000);
  const link = mailbox.linksIn(invitation).find((url) => url.includes("/set-password#token="));
  expect(link, `a set-password link in:\n${invitation.text}`).toBeDefined();
  expect(link?.startsWith(`${baseURL}/set-password#token=`)).toBe(true);

  // The invitee is another person, in another browser.
  const invitee = await browser.newContext({ baseURL });
  const inviteePage = await invitee.newPage();

  await test.step("open the link from the email and choose a password", async () => {
    await inviteePage.goto(link ?? "");
    await expect(inviteePage.getByRole("heading", { level: 1, name: "Choose your password" })).toBeVisible();
    await expect(inviteePage.getByText(INVITEE.email)).toBeVisible();
    // The token is read once and removed from the address bar and the history.
    expect(inviteePage.url()).toBe(`${baseURL}/set-password`);
    await expectAccessible(inviteePage);
    await shot("choose-password", inviteePage);
    await inviteePage.getByLabel("New password", { exact: true }).fill(INVITEE.password);
    await inviteePage.getByLabel("Confirm new password").fill(INVITEE.password);
    await inviteePage.getByRole("button", { name: "Set password" }).click();
    await expect(inviteePage.getByRole("heading", { level: 1, name: "Your password is set" })).toBeVisible();
    await expect(inviteePage.getByText("Your account is ready. Sign in with your email address and the password you just chose.")).toBeVisible();
    await expectAccessible(inviteePage);
    await shot("password-set", inviteePage);
  });

  await test.step("sign in as the new user and see the users list", async () => {
    await inviteePage.getByRole("link", { name: "Sign in" }).click();
    await expect(inviteePage.getByRole("heading", { level: 1, name: "Sign in to Latchkey" })).toBeVisible();
    await expectAccessible(inviteePage);
    await shot("sign-in", inviteePage);
    await inviteePage.getByLabel("Email").fill(INVITEE.email);
    await inviteePage.getByLabel("Password").fill(INVITEE.password);
    await inviteePage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(inviteePage).toHaveURL(/\/company$/);

    await inviteePage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await expect(inviteePage).toHaveURL(/\/users$/);
    const table = inviteePage.getByRole("table", { name: `${ADMIN.company} users` });
    await expect(table.getByRole("row")).toHaveCount(3);
    await expect(table).toContainText(ADMIN.name);
    await expect(table).toContainText(INVITEE.name);
    await expect(inviteePage.getByText("2 users", { exact: true })).toBeVisible();
    // A user may look, not invite.
    await expect(inviteePage.getByRole("link", { name: "Create user" })).toHaveCount(0);
    await expect(inviteePage.getByRole("button", { name: `Account menu for ${INVITEE.name} User` })).toBeVisible();
    await expectAccessible(inviteePage);
    await shot("users-as-new-user", inviteePage);
  });
  await invitee.close();
});
