import { appFact, createUserWithPassword, linkFor, registerCompany, signInToApp } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 16, journey (a): a person signs in to the platform's own application (examples/platform-app)
// through Latchkey; their administrator resets their password the way seed 001 says; the
// application's session ends by itself (a back-channel logout token), and the old password no
// longer signs in.

const ADMIN = { company: "Dunder Mifflin", name: "Michael Scott", email: "michael@dunder.test", password: "yeah if you could come in saturday" };
const PETER = { name: "Pam Beesly", email: "pam@dunder.test", password: "i did nothing and it was everything", next: "the red stapler stays in the basement", role: "user" };

test("signed in to the application through Latchkey; a password reset by the administrator ends the application's session by itself, and the old password is refused", async ({
  page,
  browser,
  baseURL,
  platformApp,
  mailbox,
  shot,
  expectAccessible,
}) => {
  await registerCompany(page, ADMIN);
  const peterId = await createUserWithPassword(page, mailbox, PETER);
  const peter = await browser.newContext();
  const app = await peter.newPage();

  await test.step("the application's home page offers to sign in with Latchkey", async () => {
    await app.goto(`${platformApp.url}/`);
    await expect(app.getByRole("heading", { level: 1, name: "Welcome to the platform app" })).toBeVisible();
    await expectAccessible(app);
    await shot("app-signed-out", app);
  });

  await test.step("Latchkey's sign-in page says which application asks; a first-party application asks no consent", async () => {
    await app.getByRole("button", { name: "Sign in with Latchkey" }).click();
    await expect(app).toHaveURL(new RegExp(`^${baseURL}/interaction/[^/]+$`));
    await expect(app.getByRole("heading", { level: 1, name: "Sign in to continue to Platform app" })).toBeVisible();
    await expect(app.getByText(`Platform app (${platformApp.url}) uses Latchkey to sign you in.`)).toBeVisible();
    await expect(app.getByRole("link", { name: "Forgot password?" })).toBeVisible();
    await expectAccessible(app);
    await shot("latchkey-sign-in-for-app", app);
    await app.getByLabel("Email").fill(PETER.email);
    await app.getByLabel("Password").fill(PETER.password);
    await app.getByRole("button", { name: "Sign in", exact: true }).click();
  });

  await test.step("back in the application: who signed in, the company, the role, and how access is held", async () => {
    await expect(app).toHaveURL(`${platformApp.url}/`);
    await expect(app.getByRole("heading", { level: 1, name: `Signed in as ${PETER.name}` })).toBeVisible();
    await expect(appFact(app, "Name")).toHaveText(PETER.name);
    await expect(appFact(app, "Email")).toHaveText(`${PETER.email} verified`);
    await expect(appFact(app, "User id")).toHaveText(peterId);
    await expect(appFact(app, "Acting company")).toHaveText(ADMIN.company);
    await expect(appFact(app, "Role")).toHaveText("User");
    await expect(appFact(app, "Access")).toHaveText("Member of this company");
    await expect(appFact(app, "Home company")).toHaveCount(0);
    await expectAccessible(app);
    await shot("app-signed-in", app);
  });

  await test.step("the application calls its own API with the access token, which the API verifies against Latchkey's keys", async () => {
    await app.getByRole("button", { name: "Call the API" }).click();
    const api = app.getByRole("region", { name: "This app's API" });
    await expect(api.getByRole("status")).toHaveText("The API answered 200 OK.");
    const answer = JSON.parse(await api.getByLabel("API answer").innerText()) as Record<string, unknown>;
    expect(answer).toMatchObject({ sub: peterId, company_role: "user", company_access: "member", scope: expect.stringContaining("company") });
    expect(answer.company_id).toEqual(expect.any(String));
  });

  await test.step("the administrator resets the user's password: company profile, users tab, the user's name, Reset password", async () => {
    await page.goto("/company");
    const extra = page.getByRole("region", { name: "Extra" });
    await extra.getByRole("link", { name: `${ADMIN.company} users` }).click();
    await extra.getByRole("link", { name: PETER.name }).click();
    await expect(page).toHaveURL(`${baseURL}/company/users/${peterId}`);
    await page.getByRole("button", { name: "Reset password" }).click();
    await page.getByRole("dialog", { name: `Reset the password of ${PETER.name}?` }).getByRole("button", { name: "Send reset link" }).click();
    await expect(page.getByRole("status").filter({ hasText: `The password reset link was sent to ${PETER.email}.` })).toBeVisible();
  });

  await test.step("the user chooses a new password from the email", async () => {
    const link = await linkFor(mailbox, PETER.email, "/reset-password#token=", /reset/i);
    const inbox = await peter.newPage();
    await inbox.goto(link);
    await inbox.getByLabel("New password", { exact: true }).fill(PETER.next);
    await inbox.getByLabel("Confirm new password").fill(PETER.next);
    await inbox.getByRole("button", { name: "Change password" }).click();
    await expect(inbox.getByRole("heading", { level: 1, name: "Your password was changed" })).toBeVisible();
    await inbox.close();
  });

  await test.step("the application's session has ended by itself: its next page says so", async () => {
    // Latchkey's worker delivers the logout token within seconds; the person simply reloads.
    await expect(async () => {
      await app.reload();
      await expect(app.getByRole("status")).toContainText("Latchkey ended your session", { timeout: 1_000 });
    }).toPass({ timeout: 30_000, intervals: [1_000] });
    await expect(app.getByRole("button", { name: "Sign in with Latchkey" })).toBeVisible();
    await expect(app.getByRole("heading", { name: /Signed in as/ })).toHaveCount(0);
    expect(platformApp.output()).toMatch(/back-channel logout: sid=\S+ sub=\S+, 1 session\(s\) ended/);
    await expectAccessible(app);
    await shot("app-session-ended", app);
  });

  await test.step("the old password no longer signs in to the application; the new one does", async () => {
    await signInToApp(app, platformApp.url, { email: PETER.email, password: PETER.password });
    await expect(app.getByRole("alert")).toContainText("The email or password is incorrect.");
    await expect(app).toHaveURL(new RegExp(`^${baseURL}/interaction/`));
    await app.getByLabel("Password").fill(PETER.next);
    await app.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(app.getByRole("heading", { level: 1, name: `Signed in as ${PETER.name}` })).toBeVisible();
    await expect(app).toHaveURL(`${platformApp.url}/`);
  });
  await peter.close();
});
