import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emails, linkTokens } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, createUser, FACTORY_PASSWORD, readUser, signIn, type SeedUser } from "../support/factories.ts";
import { auditRowsOf, linksOf, NEW_PASSWORD, nextResetEmail, sha256, submitNewPassword } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const SECOND = 1_000;

let addresses = 0;
/** A browser at an address of its own: the per-client submission limit stays out of the way unless a test wants it. */
let anyone: () => TestClient;
const DAY = 24 * 3_600 * SECOND;

describe("the reset link", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    anyone = () => t.client(`10.99.${Math.floor(++addresses / 250)}.${addresses % 250}`);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A user of a fresh company, and the reset link their administrator just had emailed to them. */
  async function userWithResetLink(options: { name?: string } = {}) {
    const { company, users } = await createCompanyWithUsers(t.deps, options);
    const user = await createUser(t.deps, company);
    const admin = await signIn(t, users.administrator);
    const { token } = await sendReset(admin, user);
    return { company, users, user, admin, token };
  }

  async function sendReset(admin: TestClient, user: SeedUser) {
    const since = t.smtp.messages.length;
    const reply = await admin.post(`/api/v1/users/${user.id}/password-reset`);
    expect(reply.status).toBe(202);
    return nextResetEmail(t, user.email, since);
  }

  const inspect = (token: string) => t.client().post("/api/v1/links/inspect", { token });

  it("carries 256 random bits (43 base64url characters), and the database holds only its SHA-256", async () => {
    const { user, token } = await userWithResetLink();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const [link] = await linksOf(t, user.id);
    expect(link?.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(link)).not.toContain(token);
  });

  it("is not consumed by opening it: inspected five times, then submitted, it works", async () => {
    const { user, token } = await userWithResetLink();
    for (let i = 0; i < 5; i++) {
      const reply = await inspect(token);
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ valid: true, purpose: "reset", email: user.email });
    }
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
    expect((await inspect(token)).body).toMatchObject({ valid: false, reason: "used" });
  });

  it("works one second before it expires and is refused one second after (24 hours, injected clock)", async () => {
    const early = await userWithResetLink();
    const late = await userWithResetLink();
    t.clock.advance(DAY - SECOND);
    expect((await inspect(early.token)).body).toMatchObject({ valid: true });
    expect((await submitNewPassword(anyone(), early.token)).status).toBe(200);
    expect((await inspect(late.token)).body).toMatchObject({ valid: true });
    t.clock.advance(2 * SECOND);
    expect((await inspect(late.token)).body).toEqual({ valid: false, reason: "expired", purpose: "reset" });
    const refused = await submitNewPassword(anyone(), late.token);
    expect(refused.status).toBe(410);
    expect(refused.body.error.code).toBe("LINK_EXPIRED");
    expect((await readUser(t.deps, late.user.id)).passwordHash).toBe((await readUser(t.deps, late.users.user.id)).passwordHash);
  });

  it("takes exactly one of 20 concurrent submissions; the others are told it was used", async () => {
    const { user, token } = await userWithResetLink();
    const passwords = Array.from({ length: 20 }, (_, i) => `concurrent passphrase number ${i} for you`);
    const clients = await Promise.all(passwords.map(async (_, i) => {
      const client = t.client(`10.20.0.${i + 1}`);
      await client.csrfToken();
      return client;
    }));
    const replies = await Promise.all(clients.map((client, i) => submitNewPassword(client, token, passwords[i])));
    const ok = replies.filter((reply) => reply.status === 200);
    expect(ok).toHaveLength(1);
    for (const reply of replies.filter((r) => r.status !== 200)) {
      expect(reply.status).toBe(410);
      expect(reply.body.error.code).toBe("LINK_USED");
    }
    expect((await auditRowsOf(t, "password_reset.completed")).filter((row) => row.targetUserId === user.id)).toHaveLength(1);
    const changed = await t.deps.db.select().from(emails).where(and(eq(emails.userId, user.id), eq(emails.kind, "password_changed")));
    expect(changed).toHaveLength(1);
    // The password that won is the one stored.
    const winner = passwords[replies.findIndex((reply) => reply.status === 200)];
    expect((await t.client().post("/api/v1/auth/login", { email: user.email, password: winner })).status).toBe(200);
  });

  it("is refused as superseded once a newer link is issued, whoever issued it; the newer one works", async () => {
    const { users, user, token: first } = await userWithResetLink();
    t.clock.advance(SECOND);
    const { token: second } = await sendReset(await signIn(t, users.manager), user);
    t.clock.advance(SECOND);
    // A "forgot password" request supersedes too: one live link per user, whichever flow made it.
    const since = t.smtp.messages.length;
    await t.client("198.18.0.1").post("/api/v1/auth/forgot-password", { email: user.email });
    const { token: third } = await nextResetEmail(t, user.email, since);
    for (const old of [first, second]) {
      expect((await inspect(old)).body).toMatchObject({ valid: false, reason: "superseded" });
      const reply = await submitNewPassword(anyone(), old);
      expect(reply.status).toBe(410);
      expect(reply.body.error.code).toBe("LINK_SUPERSEDED");
    }
    expect((await submitNewPassword(anyone(), third)).status).toBe(200);
  });

  it("supersedes a pending invitation too (one live link across invitation and reset)", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    const created = await admin.post("/api/v1/users", { name: "New Person", email: "new.person@example.test", role: "user" });
    expect(created.status).toBe(201);
    const invitation = await t.smtp.waitFor({ to: "new.person@example.test" });
    const inviteToken = new URL(t.smtp.linksIn(invitation).find((l) => l.includes("#token=")) ?? "https://x/#token=").hash.replace("#token=", "");
    expect((await inspect(inviteToken)).body).toMatchObject({ valid: true, purpose: "invite" });
    t.clock.advance(SECOND);
    expect((await admin.post(`/api/v1/users/${created.body.user.id}/password-reset`)).status).toBe(202);
    expect((await inspect(inviteToken)).body).toMatchObject({ valid: false, reason: "superseded", purpose: "invite" });
  });

  it("dies when the user changes their password, is deactivated, or has their email changed", async () => {
    const changed = await userWithResetLink();
    const own = await signIn(t, changed.user);
    const change = await own.post("/api/v1/account/password", { currentPassword: FACTORY_PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirmation: NEW_PASSWORD });
    expect(change.status).toBe(200);

    const deactivated = await userWithResetLink();
    expect((await deactivated.admin.post(`/api/v1/users/${deactivated.user.id}/deactivate`)).status).toBe(200);

    const moved = await userWithResetLink();
    expect((await moved.admin.patch(`/api/v1/users/${moved.user.id}`, { email: "moved.elsewhere@example.test" })).status).toBe(200);

    for (const { token } of [changed, deactivated, moved]) {
      expect((await inspect(token)).body).toMatchObject({ valid: false, reason: "revoked" });
      const reply = await submitNewPassword(anyone(), token, "yet another fine passphrase 77");
      expect(reply.status).toBe(410);
      expect(reply.body.error.code).toBe("LINK_REVOKED");
    }
  });

  it("signs every existing session of the user out, and signs nobody in", async () => {
    const { user, token } = await userWithResetLink();
    const laptop = await signIn(t, user);
    const phone = await signIn(t, user);
    expect((await laptop.get("/api/v1/auth/me")).status).toBe(200);
    const stranger = anyone();
    const reply = await submitNewPassword(stranger, token);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    const setCookies = [reply.headers["set-cookie"] ?? []].flat().map(String);
    expect(setCookies.filter((cookie) => /latchkey_session/.test(cookie))).toEqual([]);
    expect((await stranger.get("/api/v1/auth/me")).status).toBe(401);
    for (const browser of [laptop, phone]) {
      const me = await browser.get("/api/v1/auth/me");
      expect(me.status).toBe(401);
      expect(me.body.error.code).toBe("UNAUTHENTICATED");
    }
    expect((await t.client().post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD })).status).toBe(401);
    expect((await t.client().post("/api/v1/auth/login", { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it("sends a \"your password was changed\" email after the reset", async () => {
    const { user, token } = await userWithResetLink();
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
    const message = await t.smtp.waitFor({ to: user.email, subject: "password was changed" });
    expect(message.text).toContain("with a password reset link");
    expect(message.text).toContain("Forgot password");
  });

  it("sends no \"your password was changed\" alert to someone who accepts their invitation: they chose their first password", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    const created = await admin.post("/api/v1/users", { name: "First Timer", email: "first.timer@example.test", role: "user" });
    expect(created.status).toBe(201);
    const invitation = await t.smtp.waitFor({ to: "first.timer@example.test" });
    const inviteToken = new URL(t.smtp.linksIn(invitation).find((l) => l.includes("#token=")) ?? "https://x/#token=").hash.replace("#token=", "");
    expect((await submitNewPassword(anyone(), inviteToken)).status).toBe(200);
    // The alert would have been written with the password, in its transaction: the outbox tells at once.
    const kinds = (await t.deps.db.select({ kind: emails.kind }).from(emails).where(eq(emails.userId, created.body.user.id))).map((row) => row.kind);
    expect(kinds).toEqual(["invitation"]);
    // The same user's later reset still alerts them.
    const { token } = await sendReset(admin, { ...users.user, id: created.body.user.id, email: "first.timer@example.test" });
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
    await t.smtp.waitFor({ to: "first.timer@example.test", subject: "password was changed" });
  });

  it("refuses a weak or mismatched password with 422 and leaves the link usable", async () => {
    const { company, user, token } = await userWithResetLink({ name: "Blue Lagoon Holdings" });
    const cases: Array<[string, string, string]> = [
      ["a long enough passphrase 1", "a long enough passphrase 2", "PASSWORD_MISMATCH"],
      ["short", "short", "PASSWORD_TOO_SHORT"],
      ["passwordpassword", "passwordpassword", "PASSWORD_TOO_COMMON"],
      [`${user.email} is my password`, `${user.email} is my password`, "PASSWORD_CONTAINS_IDENTITY"],
      [`${company.name} forever 2030`, `${company.name} forever 2030`, "PASSWORD_CONTAINS_IDENTITY"],
    ];
    const hashBefore = (await readUser(t.deps, user.id)).passwordHash;
    for (const [password, confirmation, code] of cases) {
      const reply = await submitNewPassword(anyone(), token, password, confirmation);
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe(code);
      expect(JSON.stringify(reply.body)).not.toContain(password);
    }
    expect((await readUser(t.deps, user.id)).passwordHash).toBe(hashBefore);
    expect((await inspect(token)).body).toMatchObject({ valid: true });
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
  });

  it("acts on the user bound to the token only: a body naming another user is refused, and nobody else changes", async () => {
    const { users, user, token } = await userWithResetLink();
    const other = users.manager;
    const hashOfOther = (await readUser(t.deps, other.id)).passwordHash;
    for (const extra of [{ userId: other.id }, { email: other.email }, { companyId: other.companyId }]) {
      const reply = await t.client().post("/api/v1/links/set-password", { token, password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD, ...extra });
      expect(reply.status).toBe(400);
    }
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
    expect((await readUser(t.deps, other.id)).passwordHash).toBe(hashOfOther);
    expect((await readUser(t.deps, user.id)).passwordHash).not.toBe(hashOfOther);
  });

  it("cannot be used twice", async () => {
    const { token } = await userWithResetLink();
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
    const again = await submitNewPassword(anyone(), token, "another good passphrase 2029");
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe("LINK_USED");
  });

  it("audits an opened link that is invalid, expired or used, naming its user, company and the client address", async () => {
    const { company, user, token } = await userWithResetLink();
    expect((await submitNewPassword(anyone(), token)).status).toBe(200);
    expect((await t.client("203.0.113.61").post("/api/v1/links/inspect", { token })).body).toMatchObject({ valid: false, reason: "used" });
    expect((await t.client("203.0.113.62").post("/api/v1/links/inspect", { token: "A".repeat(43) })).body).toMatchObject({ valid: false, reason: "invalid" });
    const rows = await auditRowsOf(t, "link.rejected");
    expect(rows.find((row) => row.clientAddress === "203.0.113.61")).toMatchObject({
      outcome: "refused",
      targetUserId: user.id,
      targetCompanyId: company.id,
      details: { reason: "used", purpose: "reset", step: "open" },
    });
    expect(rows.find((row) => row.clientAddress === "203.0.113.62")).toMatchObject({ targetUserId: null, details: { reason: "invalid", step: "open" } });
    const completed = (await auditRowsOf(t, "password_reset.completed")).find((row) => row.targetUserId === user.id);
    expect(completed).toMatchObject({ actorUserId: user.id, actorCompanyId: company.id, targetCompanyId: company.id });
  });

  it("limits submissions per client: the 31st in 15 minutes answers 429 even with a good link, and is audited", async () => {
    const { token } = await userWithResetLink();
    const address = "192.0.2.200";
    const client = t.client(address);
    for (let i = 0; i < 30; i++) expect((await submitNewPassword(client, `${"B".repeat(42)}${i % 10}`)).status).toBe(410);
    const limited = await submitNewPassword(client, token);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect((await inspect(token)).body).toMatchObject({ valid: true });
    const hit = (await auditRowsOf(t, "rate_limit.hit")).find((row) => row.clientAddress === address);
    expect(hit?.details).toMatchObject({ flow: "link_submit", limits: ["client"] });
    // Another client is not limited; neither is this one after the window.
    t.clock.advance(15 * 60 * SECOND + SECOND);
    expect((await submitNewPassword(client, token)).status).toBe(200);
  });

  it("is refused with LINK_INVALID when the token is unknown or malformed, without a hint of any account", async () => {
    for (const token of ["x", "A".repeat(43), "A".repeat(44), "../../etc/passwd"]) {
      const reply = await submitNewPassword(anyone(), token);
      expect(reply.status).toBe(410);
      expect(reply.body).toEqual({ error: { code: "LINK_INVALID", message: "This link is not valid." } });
    }
    const [row] = await t.deps.db.select({ n: linkTokens.id }).from(linkTokens).where(eq(linkTokens.tokenHash, sha256("A".repeat(43))));
    expect(row).toBeUndefined();
  });
});
