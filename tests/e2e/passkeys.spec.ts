import type { CDPSession, Page } from "@playwright/test";
import { appFact, companyFromOperator, signIn } from "./support/actions.ts";
import { expect, test as base } from "./support/fixtures.ts";
import { freePort, startLatchkey, type LatchkeyServer } from "./support/latchkey-server.ts";
import { registerPlatformApp, startPlatformApp, type PlatformApp, type PlatformAppClient } from "./support/platform-app.ts";

/**
 * Passkeys in Chromium (issue 18): WebAuthn refuses an IP address as relying party, so this journey
 * runs its own server whose PUBLIC_URL is http://localhost:<port>; the authenticator is Chromium's
 * virtual one (DevTools protocol), a platform passkey with user verification.
 */
const test = base.extend<{ passkeyApp: PlatformApp }, { passkeyServer: LatchkeyServer & { appClient: PlatformAppClient } }>({
  passkeyServer: [
    async ({ database }, use) => {
      // The example application too, on 127.0.0.1 (another host than Latchkey's localhost: no shared cookies).
      const appPort = await freePort();
      let appClient: PlatformAppClient | undefined;
      const server = await startLatchkey(database, {
        publicHost: "localhost",
        beforeStart: async (cli) => {
          appClient = await registerPlatformApp(cli, appPort, "127.0.0.1");
        },
      });
      if (!appClient) throw new Error("the platform app was not registered");
      await use({ ...server, appClient });
      await server.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
  passkeyApp: async ({ passkeyServer }, use) => {
    const app = await startPlatformApp(passkeyServer.url, passkeyServer.appClient);
    await use(app);
    await app.stop();
  },
  baseURL: async ({ passkeyServer }, use) => use(passkeyServer.url),
  mailbox: async ({ passkeyServer }, use) => use(passkeyServer.smtp),
});

const ADMIN = { company: "Tailspin Toys", name: "Tove Lindqvist", email: "tove@tailspin-toys.test", password: "a passkey is a key you cannot phish" };

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

async function bothWidths(page: Page, name: string, shot: (name: string) => Promise<void>, expectAccessible: () => Promise<void>) {
  await expectAccessible();
  await shot(`${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible();
  await shot(`${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("a person adds a passkey in account settings, renames it, signs in with it without a password where the company allows it, and removes it with the password", async ({ page, passkeyServer, mailbox, shot, expectAccessible }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const companyId = await companyFromOperator(page, passkeyServer.operator, mailbox, ADMIN);
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  const section = page.getByRole("region", { name: "Passkeys" });

  await test.step("account settings: no passkeys yet", async () => {
    await page.goto("/account");
    await expect(section.getByText("No passkeys yet")).toBeVisible();
    await bothWidths(page, "account-empty", shot, expectAccessible);
  });

  await test.step("add one: the browser's prompt (the virtual authenticator answers), a default name, an email", async () => {
    await section.getByRole("button", { name: "Add a passkey" }).click();
    await expect(section.getByText(/Passkey “Passkey on Linux” added/)).toBeVisible();
    const list = section.getByRole("list", { name: "Your passkeys" });
    await expect(list.getByRole("listitem")).toHaveCount(1);
    await expect(list).toContainText("Never used");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
    await mailbox.waitFor((m) => m.to.includes(ADMIN.email) && /passkey was added/.test(m.subject), 30_000);
    await bothWidths(page, "account-one-passkey", shot, expectAccessible);
  });

  await test.step("rename it with the keyboard", async () => {
    await section.getByRole("button", { name: "Rename Passkey on Linux" }).click();
    const field = section.getByLabel("New name for “Passkey on Linux”");
    await expect(field).toBeFocused();
    await field.fill("Work laptop");
    await page.keyboard.press("Enter");
    await expect(section.getByText("Passkey renamed to “Work laptop”.")).toBeVisible();
    await expect(section.getByRole("list", { name: "Your passkeys" })).toContainText("Work laptop");
  });

  await test.step("sign out; the company does not allow passkey sign-in yet: refused like an unknown passkey", async () => {
    await page.getByRole("button", { name: `Account menu for ${ADMIN.name} Administrator` }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in to Latchkey" })).toBeVisible();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page.getByText("This passkey cannot sign you in.")).toBeVisible();
    await bothWidths(page, "login-passkey-refused", shot, expectAccessible);
  });

  await test.step("the company allows it: signed in with the passkey alone, no password typed", async () => {
    await passkeyServer.script("tests/e2e/support/set-passkey-sign-in.ts", [companyId, "on"]);
    await page.goto("/login");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page).toHaveURL(/\/company$/);
    await expect(page.getByRole("button", { name: `Account menu for ${ADMIN.name} Administrator` })).toBeVisible();
    await page.goto("/account");
    await expect(section.getByRole("list", { name: "Your passkeys" })).toContainText("Last used");
  });

  await test.step("sign out, then the password: the passkey is asked for as the second factor", async () => {
    await page.getByRole("button", { name: `Account menu for ${ADMIN.name} Administrator` }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in to Latchkey" })).toBeVisible();
    await signIn(page, ADMIN.email, ADMIN.password);
    await expect(page.getByRole("heading", { level: 1, name: "Two-factor authentication" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Use a code instead" })).toHaveCount(0);
    await bothWidths(page, "second-step-passkey", shot, expectAccessible);
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await expect(page).toHaveURL(/\/company$/);
    await page.goto("/account");
  });

  await test.step("remove it: the last second factor, so the password is asked for", async () => {
    await section.getByRole("button", { name: "Remove Work laptop" }).click();
    const dialog = page.getByRole("dialog", { name: "Remove the passkey “Work laptop”?" });
    await dialog.getByRole("button", { name: "Remove passkey" }).click();
    await expect(dialog.getByText("This is your last second factor: enter your password to remove it.")).toBeVisible();
    const password = dialog.getByLabel("Your password");
    await expect(password).toBeFocused();
    await bothWidths(page, "remove-asks-password", shot, expectAccessible);
    await password.fill("not my password at all");
    await dialog.getByRole("button", { name: "Remove passkey" }).click();
    await expect(dialog.getByText("Your current password is incorrect.")).toBeVisible();
    await password.fill(ADMIN.password);
    await dialog.getByRole("button", { name: "Remove passkey" }).click();
    await expect(dialog).toBeHidden();
    await expect(section.getByText("Passkey “Work laptop” removed.", { exact: false })).toBeVisible();
    await expect(section.getByText("No passkeys yet")).toBeVisible();
    await mailbox.waitFor((m) => m.to.includes(ADMIN.email) && /passkey was removed/.test(m.subject), 30_000);
  });

  await test.step("a browser without WebAuthn is told so", async () => {
    const old = await page.context().newPage();
    await old.addInitScript(() => {
      Reflect.deleteProperty(window, "PublicKeyCredential");
    });
    await old.setViewportSize({ width: 390, height: 844 });
    await old.goto("/account");
    await expect(old.getByText("This browser cannot use passkeys")).toBeVisible();
    await expect(old.getByRole("button", { name: "Add a passkey" })).toBeDisabled();
    await expectAccessible(old);
    await shot("unsupported-390", old);
    await old.close();
  });
});

test("a person whose company requires a second factor makes a passkey at sign-in, and their next sign-in asks for it", async ({ page, passkeyServer, mailbox, shot, expectAccessible }) => {
  const owner = { company: "Halvorsen Freight", name: "Ingrid Halvorsen", email: "ingrid@halvorsen.test", password: "the ferry leaves at seven sharp" };
  await page.setViewportSize({ width: 1280, height: 900 });
  await companyFromOperator(page, passkeyServer.operator, mailbox, owner);
  const menu = page.getByRole("button", { name: `Account menu for ${owner.name} Administrator` });

  await test.step("the administrator requires a second factor, with no grace period", async () => {
    await page.goto("/company");
    const card = page.getByRole("region", { name: "Two-factor sign-in" });
    await card.getByLabel("Require a second factor").check();
    await card.getByLabel("Grace period (days)").fill("0");
    await card.getByRole("button", { name: "Save two-factor policy" }).click();
    await expect(card.getByRole("status").filter({ hasText: "Two-factor policy saved." })).toBeVisible();
  });

  await test.step("the next sign-in stops at the enrolment step, which offers a passkey first and says why", async () => {
    await menu.click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sign in to Latchkey" })).toBeVisible();
    await signIn(page, owner.email, owner.password);
    await expect(page.getByRole("heading", { level: 1, name: "Set up two-factor authentication" })).toBeVisible();
    await expect(page.getByText("Your company requires a second step at sign-in.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Use an authenticator app instead" })).toBeVisible();
    await bothWidths(page, "enrol-choice", shot, expectAccessible);
  });

  await test.step("the browser's prompt makes the passkey (the virtual authenticator answers), and the sign-in is done", async () => {
    const { cdp, authenticatorId } = await virtualAuthenticator(page);
    await page.getByRole("button", { name: "Make a passkey" }).click();
    await expect(page).toHaveURL(/\/company$/);
    await expect(menu).toBeVisible();
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    await mailbox.waitFor((m) => m.to.includes(owner.email) && /passkey was added/.test(m.subject), 30_000);
    await page.goto("/account");
    await expect(page.getByRole("region", { name: "Passkeys" }).getByRole("list", { name: "Your passkeys" }).getByRole("listitem")).toHaveCount(1);
  });

  await test.step("signing in again: the password, then the passkey as the second step", async () => {
    await menu.click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await signIn(page, owner.email, owner.password);
    await expect(page.getByRole("heading", { level: 1, name: "Two-factor authentication" })).toBeVisible();
    await page.getByRole("button", { name: "Use your passkey" }).click();
    await expect(page).toHaveURL(/\/company$/);
  });
});

test("on an application's sign-in page, a person signs in with a passkey alone where the company allows it", async ({ page, browser, passkeyServer, passkeyApp, mailbox, shot, expectAccessible }) => {
  const owner = { company: "Fjord Analytics", name: "Sigrid Fjell", email: "sigrid@fjord.test", password: "a fjord is a long narrow inlet" };
  await page.setViewportSize({ width: 1280, height: 900 });
  const companyId = await companyFromOperator(page, passkeyServer.operator, mailbox, owner);
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Passkeys" });
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(section.getByRole("list", { name: "Your passkeys" }).getByRole("listitem")).toHaveCount(1);
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  await passkeyServer.script("tests/e2e/support/set-passkey-sign-in.ts", [companyId, "on"]);

  // Another browser (signed in nowhere) holding the same passkey.
  const context = await browser.newContext({ baseURL: passkeyServer.url });
  const app = await context.newPage();
  await app.setViewportSize({ width: 1280, height: 900 });
  const other = await virtualAuthenticator(app);
  for (const credential of credentials) await other.cdp.send("WebAuthn.addCredential", { authenticatorId: other.authenticatorId, credential });

  await test.step("the application sends the person to Latchkey's sign-in page, which offers a passkey", async () => {
    await app.goto(`${passkeyApp.url}/`);
    await app.getByRole("button", { name: "Sign in with Latchkey" }).click();
    await expect(app.getByRole("heading", { level: 1, name: "Sign in to continue to Platform app" })).toBeVisible();
    await expect(app.getByRole("button", { name: "Sign in with a passkey" })).toBeVisible();
    await bothWidths(app, "interaction-passkey", (name) => shot(name, app), () => expectAccessible(app));
  });

  await test.step("the passkey alone signs in, and the person is back in the application", async () => {
    await app.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(app.getByRole("heading", { level: 1, name: `Signed in as ${owner.name}` })).toBeVisible();
    await expect(appFact(app, "Role")).toHaveText("Administrator");
  });
  await context.close();
});
