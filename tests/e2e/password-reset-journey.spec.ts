import { createUserWithPassword, linkFor, registerCompany, signIn } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 3's how-to, word for word: "Access the user list for your company profile → in the extra
// section, the [company] users tab shows each user's name, email address and role → click the name of
// the user requiring a password reset → click the reset password button at the top of the page → the
// user receives an email which includes a link to change their password."

const ADMIN = { company: "Initech", name: "Bill Lumbergh", email: "bill@initech.test", password: "yeah if you could come in saturday" };
const MILTON = { name: "Milton Waddams", email: "milton@initech.test", password: "i was told there would be cake", role: "manager" };
const PETER = { name: "Peter Gibbons", email: "peter@initech.test", password: "i did nothing and it was everything", next: "the red stapler stays in the basement", role: "user" };

test("a manager sends a password reset from the user's page; the user chooses a new password from the email, which ends their old session", async ({
  page,
  browser,
  baseURL,
  mailbox,
  shot,
  expectAccessible,
}) => {
  // Initech's administrator has a manager (Milton) and a user (Peter), each with a password of their own.
  await registerCompany(page, ADMIN);
  const peterId = await createUserWithPassword(page, mailbox, PETER);
  await createUserWithPassword(page, mailbox, MILTON);

  // Peter is signed in somewhere before the reset: this old browser session must end with it.
  const peterBefore = await browser.newContext({ baseURL });
  const oldSession = await peterBefore.newPage();
  await oldSession.goto("/login");
  await signIn(oldSession, PETER.email, PETER.password);
  await expect(oldSession).toHaveURL(`${baseURL}/company`);

  const milton = await browser.newContext({ baseURL });
  const miltonPage = await milton.newPage();
  await miltonPage.goto("/login");
  await signIn(miltonPage, MILTON.email, MILTON.password);
  await expect(miltonPage).toHaveURL(`${baseURL}/company`);

  await test.step("the manager opens the company profile, the [company] users tab, and the user's name", async () => {
    await miltonPage.goto("/account");
    await miltonPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Company profile" }).click();
    await expect(miltonPage.getByRole("heading", { level: 1, name: ADMIN.company })).toBeVisible();
    const extra = miltonPage.getByRole("region", { name: "Extra" });
    await extra.getByRole("link", { name: `${ADMIN.company} users` }).click();
    await expect(miltonPage).toHaveURL(`${baseURL}/company/users`);
    const list = extra.getByRole("table", { name: `${ADMIN.company} users` });
    // A checkbox to select rows for bulk actions, then the columns, each ordering the list (issue 19).
    await expect(list.getByRole("columnheader")).toHaveText(["", /^Name/, /^Email/, /^Role/, /^Status/, /^Last sign-in/, /^Created/]);
    await expect(list.getByRole("row", { name: new RegExp(PETER.name) })).toContainText(PETER.email);
    await expect(list.getByRole("row", { name: new RegExp(PETER.name) })).toContainText("User");
    await miltonPage.getByLabel("Search users").fill("pete");
    await expect(miltonPage.getByText(/^1 user( · matches are listed by name)?$/)).toBeVisible();
    await extra.getByRole("link", { name: PETER.name }).click();
    await expect(miltonPage).toHaveURL(`${baseURL}/company/users/${peterId}`);
  });

  await test.step("the manager presses Reset password at the top of the page", async () => {
    await miltonPage.getByRole("button", { name: "Reset password" }).click();
    const dialog = miltonPage.getByRole("dialog", { name: `Reset the password of ${PETER.name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectAccessible(miltonPage);
    await shot("reset-confirm", miltonPage);
    await dialog.getByRole("button", { name: "Send reset link" }).click();
    await expect(dialog).toBeHidden();
    await expect(miltonPage.getByRole("status").filter({ hasText: `The password reset link was sent to ${PETER.email}. It is valid for 24 hours.` })).toBeVisible();
    const history = miltonPage.getByRole("table", { name: /Password resets/ });
    await expect(history.getByRole("row").nth(1)).toContainText("Password reset");
    await expect(history.getByRole("row").nth(1)).toContainText(MILTON.name);
    await expect(history.getByRole("row").nth(1)).toContainText("Pending");
    // The history follows the email until it has left, without a reload.
    await expect(history.getByRole("row").nth(1).getByText("Sent", { exact: true })).toBeVisible({ timeout: 30_000 });
    await expectAccessible(miltonPage);
    await shot("reset-sent", miltonPage);
  });

  const email = await mailbox.waitFor((m) => m.to.includes(PETER.email) && /reset/i.test(m.subject), 30_000);
  expect(email.text).toContain(`${MILTON.name}, manager of ${ADMIN.company}, asked to reset your password.`);
  const link = await linkFor(mailbox, PETER.email, "/reset-password#token=", /reset/i);
  expect(link.startsWith(`${baseURL}/reset-password#token=`)).toBe(true);
  const peter = await browser.newContext({ baseURL });
  const peterPage = await peter.newPage();

  await test.step("the user opens the link and chooses a new password", async () => {
    await peterPage.goto(link);
    await expect(peterPage.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
    await expect(peterPage.getByText(PETER.email)).toBeVisible();
    expect(peterPage.url()).toBe(`${baseURL}/reset-password`);
    // A mismatch is caught before anything is sent, and the link stays usable.
    await peterPage.getByLabel("New password", { exact: true }).fill(PETER.next);
    await peterPage.getByLabel("Confirm new password").fill(`${PETER.next}!`);
    await peterPage.getByRole("button", { name: "Change password" }).click();
    await expect(peterPage.getByText("The two passwords do not match.")).toBeVisible();
    await expect(peterPage.getByLabel("Confirm new password")).toBeFocused();
    await expectAccessible(peterPage);
    await shot("reset-mismatch", peterPage);
    await peterPage.getByLabel("Confirm new password").fill(PETER.next);
    await peterPage.getByRole("button", { name: "Change password" }).click();
    await expect(peterPage.getByRole("heading", { level: 1, name: "Your password was changed" })).toBeVisible();
    await expect(peterPage.getByText("Every session of your account was signed out. Sign in with your new password.")).toBeVisible();
  });

  await test.step("the old browser session of the user is now signed out", async () => {
    await oldSession.reload();
    await expect(oldSession).toHaveURL(`${baseURL}/login?next=%2Fcompany`);
    await expect(oldSession.getByRole("heading", { level: 1, name: "Sign in to Latchkey" })).toBeVisible();
    await shot("old-session-signed-out", oldSession);
  });
  await peterBefore.close();

  await test.step("the same link, opened again, says it was used and how to get a new one", async () => {
    await peterPage.goto(link);
    await expect(peterPage.getByRole("heading", { level: 1, name: "This link was already used" })).toBeVisible();
    await expect(peterPage.getByRole("link", { name: "Request a new link" })).toHaveAttribute("href", "/forgot-password");
    await expectAccessible(peterPage);
    await shot("link-used", peterPage);
  });

  await test.step("the old password no longer works, the new one does", async () => {
    await peterPage.goto("/login");
    await signIn(peterPage, PETER.email, PETER.password);
    await expect(peterPage.getByRole("alert")).toContainText("The email or password is incorrect.");
    await signIn(peterPage, PETER.email, PETER.next);
    await expect(peterPage).toHaveURL(/\/company$/);
    await expect(peterPage.getByRole("banner")).toContainText(ADMIN.company);
  });
  await peter.close();
  await milton.close();
});

test("a visitor who forgot their password asks for a link from the sign-in page, and gets the same answer for any address", async ({ page, mailbox, shot, expectAccessible }) => {
  const owner = { company: "Hooli", name: "Gavin Belson", email: "gavin@hooli.test", password: "tethics is a real word in my heart" };
  await registerCompany(page, owner);
  await page.context().clearCookies();

  const answers: string[] = [];
  for (const email of [owner.email, "nobody@hooli.test"]) {
    await page.goto("/login");
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Reset your password" })).toBeVisible();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    const answer = page.getByRole("status").filter({ hasText: /If an account/ });
    await expect(answer).toBeVisible();
    answers.push(await answer.innerText());
  }
  expect(answers[0]).toBe(answers[1]);
  await expectAccessible();
  await shot("forgot-password-answer");
  await linkFor(mailbox, owner.email, "/reset-password#token=");
});

test("a visitor without a session is sent to sign in and then back where they were going; signing out ends the session", async ({ page, baseURL, expectAccessible }) => {
  const owner = { company: "Vandelay Industries", name: "Art Vandelay", email: "art@vandelay.test", password: "importer exporter of fine latex" };
  await registerCompany(page, owner);
  await page.context().clearCookies();

  await page.goto("/account");
  await expect(page).toHaveURL(`${baseURL}/login?next=%2Faccount`);
  await signIn(page, owner.email, owner.password);
  await expect(page).toHaveURL(`${baseURL}/account`);
  await expect(page.getByRole("heading", { level: 1, name: "Account settings" })).toBeVisible();
  // Focus moves to the new page's heading, where a screen reader starts reading.
  await expect(page.getByRole("heading", { level: 1, name: "Account settings" })).toBeFocused();
  await expectAccessible();

  // A lost CSRF cookie (expired, cleared in another tab) costs the next write one silent retry, not an error.
  await page.context().clearCookies({ name: "latchkey_csrf" });
  const menu = page.getByRole("button", { name: `Account menu for ${owner.name} Administrator` });
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(`${baseURL}/login`);
  await expect(page.getByRole("status").filter({ hasText: "You have signed out." })).toBeVisible();
  await page.goto("/company");
  await expect(page).toHaveURL(`${baseURL}/login?next=%2Fcompany`);

  await page.goto("/no-such-page");
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await expectAccessible();
});
