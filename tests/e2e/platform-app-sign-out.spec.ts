import { appFact, registerCompany, signInToApp } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// The example application's sign-out (OpenID Connect RP-initiated logout): it ends its own session,
// sends the browser to Latchkey's confirmation, and Latchkey sends it back to the application.

test("signing out of the application passes through Latchkey, ends the Latchkey sign-in, and comes back to the application", async ({ page, browser, baseURL, platformApp, shot, expectAccessible }) => {
  const owner = { company: "Pendant Publishing", name: "Elaine Benes", email: "elaine@pendant.test", password: "importer exporter of fine latex" };
  await registerCompany(page, owner);
  const art = await browser.newContext();
  const app = await art.newPage();
  await signInToApp(app, platformApp.url, owner);
  await expect(app.getByRole("heading", { level: 1, name: `Signed in as ${owner.name}` })).toBeVisible();
  await expect(appFact(app, "Role")).toHaveText("Administrator");

  await app.getByRole("button", { name: "Sign out" }).click();
  await expect(app.getByRole("heading", { level: 1, name: "Sign out of Latchkey?" })).toBeVisible();
  await expect(app.getByText("Platform app asks you to sign out.")).toBeVisible();
  await expectAccessible(app);
  await shot("latchkey-sign-out-confirmation", app);
  // The confirmation is a form posted to Latchkey that answers with a redirect to the application:
  // the page's CSP form-action must allow that origin, or Chromium stops the navigation there.
  await app.getByRole("button", { name: "Yes, sign me out" }).click();
  await expect(app).toHaveURL(`${platformApp.url}/`);
  await expect(app.getByRole("status")).toHaveText("You have signed out.");
  await expect(app.getByRole("button", { name: "Sign in with Latchkey" })).toBeVisible();

  // Latchkey's own sign-in ended with it: the dashboard asks for the password again, and so does the application.
  const dashboard = await art.newPage();
  await dashboard.goto(`${baseURL}/company`);
  await expect(dashboard).toHaveURL(`${baseURL}/login?next=%2Fcompany`);
  await app.getByRole("button", { name: "Sign in with Latchkey" }).click();
  await expect(app.getByRole("heading", { level: 1, name: "Sign in to continue to Platform app" })).toBeVisible();
  await art.close();
});
