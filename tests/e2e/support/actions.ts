import { expect, type Page } from "@playwright/test";
import type { TestSmtpServer } from "../../support/smtp-server.ts";

export interface Registration {
  company: string;
  name: string;
  email: string;
  password: string;
}

/** Registers a company through the form, as its first administrator does. */
export async function registerCompany(page: Page, who: Registration): Promise<void> {
  await page.goto("/register");
  await page.getByLabel("Company name").fill(who.company);
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/company$/);
}

/**
 * A company from the operator (`create-company`) whose administrator accepts the emailed invitation
 * and signs in: for a journey whose administrator signs in, without using one of the worker's ten
 * registrations an hour from one address (decision 0020).
 */
export async function companyFromOperator(page: Page, operator: (args: string[]) => Promise<string>, mailbox: TestSmtpServer, who: Registration): Promise<string> {
  const created = await operator(["create-company", "--name", who.company, "--admin-email", who.email, "--admin-name", who.name]);
  const companyId = /\(id ([0-9a-f-]{36})\)/.exec(created)?.[1] ?? "";
  expect(companyId, created).not.toBe("");
  await page.goto(await linkFor(mailbox, who.email, "/set-password#token="));
  await page.getByLabel("New password", { exact: true }).fill(who.password);
  await page.getByLabel("Confirm new password").fill(who.password);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Your password is set" })).toBeVisible();
  await page.goto("/login");
  await signIn(page, who.email, who.password);
  await expect(page).toHaveURL(/\/company$/);
  return companyId;
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** A write through the API with the page's session, for setting the scene faster than the forms would. */
export async function apiWrite<T>(page: Page, method: "POST" | "PATCH" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const { token } = (await (await page.request.get("/api/v1/csrf-token")).json()) as { token: string };
  const response = await page.request.fetch(`/api/v1${path}`, { method, headers: { "x-csrf-token": token }, ...(body === undefined ? {} : { data: body }) });
  expect(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`).toBe(true);
  return (await response.json()) as T;
}

/** The first link to `path` in an email to `to` (subject matching, if given), as the person finds it in their inbox. */
export async function linkFor(mailbox: TestSmtpServer, to: string, path: string, subject?: RegExp): Promise<string> {
  const email = await mailbox.waitFor((m) => m.to.includes(to) && (!subject || subject.test(m.subject)) && mailbox.linksIn(m).some((url) => url.includes(path)), 30_000);
  const link = mailbox.linksIn(email).find((url) => url.includes(path));
  if (!link) throw new Error(`no ${path} link in:\n${email.text}`);
  return link;
}

/** Invites a user through the API with the page's session and accepts the invitation, so that they can sign in. */
export async function createUserWithPassword(page: Page, mailbox: TestSmtpServer, who: { name: string; email: string; password: string; role: string }): Promise<string> {
  const { user } = await apiWrite<{ user: { id: string } }>(page, "POST", "/users", { name: who.name, email: who.email, role: who.role });
  const invitation = await linkFor(mailbox, who.email, "/set-password#token=");
  const token = new URL(invitation).hash.replace("#token=", "");
  await apiWrite(page, "POST", "/links/set-password", { token, password: who.password, passwordConfirmation: who.password });
  return user.id;
}

/** The signed-in user's own company id, for the operator's commands. */
export async function ownCompanyId(page: Page): Promise<string> {
  const me = (await (await page.request.get("/api/v1/auth/me")).json()) as { user: { companyId: string } };
  return me.user.companyId;
}

/** From the example application's home page to Latchkey's sign-in page for it, and the password typed there. */
export async function signInToApp(page: Page, appUrl: string, who: { email: string; password: string }, button = "Sign in with Latchkey"): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole("button", { name: button }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sign in to continue to Platform app" })).toBeVisible();
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** The value the example application shows for one of its labelled facts ("Acting company", "Role", "Access", …). */
export function appFact(page: Page, term: string) {
  return page.locator("dl > div").filter({ has: page.getByRole("term").getByText(term, { exact: true }) }).getByRole("definition");
}

/** A browser that is not the test's Chromium, for the device names of sessions and sign-ins. */
export const FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

/** axe and a screenshot at 1280 and at 390 px (a phone, no wider than the page), then back to 1280. */
export async function bothWidths(page: Page, name: string, shot: (name: string, target?: Page) => Promise<void>, expectAccessible: (page?: Page) => Promise<void>) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectAccessible(page);
  await shot(`${name}-1280`, page);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(page);
  await shot(`${name}-390`, page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });
}
