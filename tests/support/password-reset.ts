import { createHash } from "node:crypto";
import { asc, eq, inArray } from "drizzle-orm";
import { auditEvents, companies, emails, linkTokens, managementGrants } from "../../src/db/schema.ts";
import { countWaitingForgotPasswordRequests } from "../../src/features/auth/password-reset/forgot-password-requests.queries.ts";
import type { TestClient } from "./client.ts";
import { createCompany, createUser, signIn, type SeedCompany, type SeedUser } from "./factories.ts";
import type { CapturedMessage } from "./smtp-server.ts";
import { TEST_PUBLIC_URL, type TestApp } from "./test-app.ts";

export const NEW_PASSWORD = "a brand new passphrase for 2031";
export const RESET_LINK_PREFIX = `${TEST_PUBLIC_URL}/reset-password#token=`;

/** The reset link a delivered email carries, and its token. Fails when the email carries none. */
export function resetLinkIn(t: TestApp, message: CapturedMessage): { link: string; token: string } {
  const links = t.smtp.linksIn(message).filter((url) => url.includes("/reset-password"));
  if (links.length !== 1 || !links[0]) throw new Error(`expected one reset link, found ${JSON.stringify(t.smtp.linksIn(message))}`);
  const link = links[0];
  const token = new URL(link).hash.replace(/^#token=/, "");
  return { link, token };
}

/** Waits for the next reset email to the address (as stored), delivered over SMTP after `since` messages. */
export async function nextResetEmail(t: TestApp, to: string, since = 0, timeoutMs = 10_000) {
  const message = await t.smtp.waitFor(
    (m) => t.smtp.messages.indexOf(m) >= since && m.to.includes(to.toLowerCase()) && /reset|set your Latchkey password/i.test(m.subject),
    timeoutMs,
  );
  return { message, ...resetLinkIn(t, message) };
}

/**
 * Waits until every "forgot password" request so far has been processed by its worker: none left in
 * the table (a batch being worked on still holds its rows until it commits, decision 0034).
 */
export async function settleForgotPasswordJobs(t: TestApp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await countWaitingForgotPasswordRequests(t.deps.db)) === 0) return;
    if (Date.now() > deadline) throw new Error(`forgot-password requests still waiting after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function submitNewPassword(client: TestClient, token: string, password = NEW_PASSWORD, confirmation = password) {
  return client.post("/api/v1/links/set-password", { token, password, passwordConfirmation: confirmation });
}

export interface LinkedSetup {
  parent: SeedCompany;
  linked: SeedCompany;
  member: SeedUser;
  /** The team member's browser, switched into the linked company. */
  memberBrowser: TestClient;
  linkedUser: SeedUser;
}

/** A multi-company profile, a linked company, and a manager of the parent holding a grant for it, switched in. */
export async function linkedCompanyWithGrantedManager(t: TestApp, names = { parent: "Parent Co", linked: "Linked Co" }): Promise<LinkedSetup> {
  const parent = await createCompany(t.deps, { name: names.parent });
  await t.deps.db.update(companies).set({ isMultiCompany: true }).where(eq(companies.id, parent.id));
  const linked = await createCompany(t.deps, { name: names.linked, parentId: parent.id });
  const member = await createUser(t.deps, parent, { role: "manager", name: "Jane Smith" });
  await t.deps.db.insert(managementGrants).values({ teamMemberId: member.id, companyId: linked.id });
  const linkedUser = await createUser(t.deps, linked, { role: "user" });
  const memberBrowser = await signIn(t, member);
  const switched = await memberBrowser.post("/api/v1/session/switch", { companyId: linked.id });
  if (switched.status !== 200) throw new Error(`switch failed: ${switched.status} ${JSON.stringify(switched.body)}`);
  return { parent, linked, member, memberBrowser, linkedUser };
}

/** Audit rows of one action, oldest first. */
export async function auditRowsOf(t: TestApp, action: string) {
  return t.deps.db.select().from(auditEvents).where(eq(auditEvents.action, action)).orderBy(asc(auditEvents.id));
}

/** How the database stores a token: its SHA-256, base64url. Computed here independently of the product code. */
export function sha256(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** Every link row of a user, oldest first. */
export async function linksOf(t: TestApp, userId: string) {
  return t.deps.db.select().from(linkTokens).where(eq(linkTokens.userId, userId)).orderBy(asc(linkTokens.createdAt), asc(linkTokens.id));
}

/** Waits until the worker has settled every email written so far (none queued or retrying). */
export async function settleOutbox(t: TestApp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await t.deps.db.select({ id: emails.id }).from(emails).where(inArray(emails.status, ["queued", "retrying"]));
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending.length} emails still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
