import type { Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { appFact, companyFromOperator, signIn, signInToApp } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

const ADMIN = { company: "Tailspin", name: "Tomasz Ilves", email: "tomasz@tailspin.test", password: "two steps are better than one" };

/** What the person's phone shows: the code of the key the page gave, at a moment (now by default). */
const codeFor = (key: string, at = Date.now()) => new TOTP({ secret: Secret.fromBase32(key.replace(/\s+/g, "")), digits: 6, period: 30 }).generate({ timestamp: at });

async function bothWidths(page: Page, name: string, shot: (name: string) => Promise<void>, expectAccessible: () => Promise<void>) {
  await expectAccessible();
  await shot(`${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible();
  await shot(`${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: `Account menu for ${ADMIN.name} Administrator` }).click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "You have signed out." })).toBeVisible();
}

test("a user turns on an authenticator app, signs in with its code, then with a recovery code, and through an application", async ({ page, browser, baseURL, mailbox, latchkey, platformApp, shot, expectAccessible }) => {
  const base = baseURL ?? "";
  await page.setViewportSize({ width: 1280, height: 900 });
  await companyFromOperator(page, latchkey.operator, mailbox, ADMIN);
  const section = page.getByRole("region", { name: "Two-factor authentication" });
  let key = "";
  let codes: string[] = [];

  await test.step("account settings: off, with an offer to set it up", async () => {
    await page.goto("/account");
    await expect(section.getByText("Authenticator app: off")).toBeVisible();
    await bothWidths(page, "off", shot, expectAccessible);
  });

  await test.step("the QR code and the key; a wrong code is refused, the right one turns it on", async () => {
    await section.getByRole("button", { name: "Set up an authenticator app" }).click();
    await expect(section.getByRole("img", { name: /QR code/ })).toBeVisible();
    key = await section.getByLabel("Or type this key into the app").inputValue();
    expect(key.replace(/\s+/g, "")).toMatch(/^[A-Z2-7]{32}$/);
    await bothWidths(page, "setup", shot, expectAccessible);
    const right = codeFor(key);
    await section.getByLabel("Code from the app").fill(right === "000000" ? "111111" : "000000");
    await section.getByRole("button", { name: "Turn on" }).click();
    await expect(section.getByText(/That code is not right/).first()).toBeVisible();
    await expectAccessible();
    await section.getByLabel("Code from the app").fill(codeFor(key));
    await section.getByRole("button", { name: "Turn on" }).click();
  });

  await test.step("ten recovery codes, shown once", async () => {
    const list = section.getByRole("list", { name: "Your recovery codes" });
    await expect(list.getByRole("listitem")).toHaveCount(10);
    codes = await list.getByRole("listitem").allInnerTexts();
    await expect(section.getByRole("button", { name: "Download codes" })).toBeVisible();
    await bothWidths(page, "recovery-codes", shot, expectAccessible);
    await section.getByRole("button", { name: "I have kept my codes" }).click();
    await expect(section.getByText("Authenticator app: on")).toBeVisible();
    await expect(section.getByText("You have 10 unused recovery codes.")).toBeVisible();
  });

  await test.step("signing in asks for the app's code after the password", async () => {
    await signOut(page);
    await signIn(page, ADMIN.email, ADMIN.password);
    await expect(page.getByRole("heading", { level: 1, name: "Two-factor authentication" })).toBeVisible();
    await expect(page.getByLabel("Code from your authenticator app")).toBeFocused();
    await bothWidths(page, "second-step", shot, expectAccessible);
    await page.getByLabel("Code from your authenticator app").fill("000000" === codeFor(key, Date.now() + 30_000) ? "111111" : "000000");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page.getByText(/That code is not right/).first()).toBeVisible();
    await expectAccessible();
    // The code the enrolment used is spent: the app's next one (one step of drift is allowed).
    await page.getByLabel("Code from your authenticator app").fill(codeFor(key, Date.now() + 30_000));
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(`${base}/company`);
  });

  await test.step("or with a recovery code, which then counts as used", async () => {
    await signOut(page);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await expect(page.getByLabel("Recovery code")).toBeVisible();
    await bothWidths(page, "recovery-step", shot, expectAccessible);
    await page.getByLabel("Recovery code").fill(codes[0] ?? "");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(`${base}/company`);
    await page.goto("/account");
    await expect(section.getByText("You have 9 unused recovery codes.")).toBeVisible();
  });

  await test.step("an application's sign-in through Latchkey asks for the second factor too", async () => {
    const elsewhere = await browser.newContext();
    const app = await elsewhere.newPage();
    await signInToApp(app, platformApp.url, ADMIN);
    await expect(app.getByRole("heading", { level: 1, name: "Two-factor authentication" })).toBeVisible();
    await app.getByRole("button", { name: "Use a recovery code instead" }).click();
    await expectAccessible(app);
    await shot("application-second-step", app);
    await app.getByLabel("Recovery code").fill(codes[1] ?? "");
    await app.getByRole("button", { name: "Continue" }).click();
    await expect(app.getByRole("heading", { level: 1, name: `Signed in as ${ADMIN.name}` })).toBeVisible();
    await expect(appFact(app, "Role")).toHaveText("Administrator");
    await elsewhere.close();
    await page.reload();
    await expect(section.getByText("You have 8 unused recovery codes.")).toBeVisible();
  });

  await test.step("turning it off asks for the password", async () => {
    await section.getByRole("button", { name: "Turn off the authenticator app" }).click();
    await expect(section.getByLabel("Your password")).toBeFocused();
    await bothWidths(page, "turn-off", shot, expectAccessible);
    await section.getByLabel("Your password").fill(ADMIN.password);
    await section.getByRole("button", { name: "Turn off", exact: true }).click();
    await expect(section.getByText("The authenticator app was turned off.")).toBeVisible();
    await expect(section.getByText("Authenticator app: off")).toBeVisible();
  });
});
