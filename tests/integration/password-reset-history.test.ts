import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, createUser, signIn } from "../support/factories.ts";
import {
  auditRowsOf,
  linkedCompanyWithGrantedManager,
  linksOf,
  NEW_PASSWORD,
  nextResetEmail,
  settleForgotPasswordJobs,
  settleOutbox,
  sha256,
  submitNewPassword,
} from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;

describe("the password-reset history of a user", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const history = (browser: TestClient, userId: string) => browser.get(`/api/v1/users/${userId}/password-resets`);

  it("lists every link, newest first, with who asked, when, when it expires, its state and its email's delivery", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps, { name: "Acme" });
    const admin = await signIn(t, users.administrator);
    const manager = await signIn(t, users.manager);

    // An invitation from the administrator, accepted.
    const created = await admin.post("/api/v1/users", { name: "Hana History", email: "hana.history@example.test", role: "user" });
    expect(created.status).toBe(201);
    const hana = { id: created.body.user.id as string, email: "hana.history@example.test", companyId: company.id };
    const invitation = await t.smtp.waitFor({ to: hana.email });
    const inviteToken = new URL(t.smtp.linksIn(invitation).find((l) => l.includes("#token=")) ?? "https://x/").hash.replace("#token=", "");
    const invitedAt = t.clock.now().toISOString();
    expect((await submitNewPassword(t.client("10.1.0.1"), inviteToken)).status).toBe(200);

    // "Forgot password", then superseded by the manager's reset.
    t.clock.advance(SECOND);
    await t.client("10.1.0.2").post("/api/v1/auth/forgot-password", { email: hana.email });
    await settleForgotPasswordJobs(t);
    await settleOutbox(t);
    t.clock.advance(SECOND);
    const since = t.smtp.messages.length;
    expect((await manager.post(`/api/v1/users/${hana.id}/password-reset`)).status).toBe(202);
    const managerReset = await nextResetEmail(t, hana.email, since);

    // The manager's link revoked by the administrator.
    t.clock.advance(SECOND);
    const managerLinkId = (await linksOf(t, hana.id)).find((link) => link.tokenHash === sha256(managerReset.token))?.id;
    expect((await admin.post(`/api/v1/users/${hana.id}/password-resets/${managerLinkId}/revoke`)).status).toBe(200);

    // Hana emails herself a link from account settings, and lets it expire.
    t.clock.advance(SECOND);
    const own = await (await signInAs(t, hana.email)).post("/api/v1/account/password-reset");
    expect(own.status).toBe(202);
    expect(own.body).toEqual({ ok: true });
    const ownSentAt = t.clock.now().toISOString();
    await settleOutbox(t);
    t.clock.advance(25 * HOUR);

    // Sessions last 12 hours: sign in again after the day has passed.
    const reply = await history(await signIn(t, users.administrator), hana.id);
    expect(reply.status).toBe(200);
    const self = { kind: "self", name: "Hana History", role: "user", companyName: "Acme" };
    expect(reply.body.resets.map((r: Record<string, unknown>) => ({ ...r, id: undefined }))).toEqual([
      { id: undefined, purpose: "reset", state: "expired", requestedBy: self, emailStatus: "sent", emailProblem: null, createdAt: ownSentAt, expiresAt: new Date(Date.parse(ownSentAt) + 24 * HOUR).toISOString() },
      { id: undefined, purpose: "reset", state: "revoked", requestedBy: { kind: "administrator", name: users.manager.name, role: "manager", companyName: "Acme" }, emailStatus: "sent", emailProblem: null, createdAt: expect.any(String), expiresAt: expect.any(String) },
      { id: undefined, purpose: "reset", state: "superseded", requestedBy: self, emailStatus: "sent", emailProblem: null, createdAt: expect.any(String), expiresAt: expect.any(String) },
      { id: undefined, purpose: "invite", state: "used", requestedBy: { kind: "administrator", name: users.administrator.name, role: "administrator", companyName: "Acme" }, emailStatus: "sent", emailProblem: null, createdAt: invitedAt, expiresAt: expect.any(String) },
    ]);
    // Security data, but never a secret.
    expect(JSON.stringify(reply.body)).not.toContain(managerReset.token);
    expect(JSON.stringify(reply.body)).not.toContain(sha256(managerReset.token));
    expect(JSON.stringify(reply.body)).not.toContain("tokenHash");
    // The manager sees it too.
    expect((await history(await signIn(t, users.manager), hana.id)).body).toEqual(reply.body);
  });

  it("names a team member of another company, with their company, as seen from both sides", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Parent Group", linked: "Child Ltd" });
    expect((await setup.memberBrowser.post(`/api/v1/users/${setup.linkedUser.id}/password-reset`)).status).toBe(202);
    const linkedAdmin = await createUser(t.deps, setup.linked, { role: "administrator" });
    for (const browser of [setup.memberBrowser, await signIn(t, linkedAdmin)]) {
      const reply = await history(browser, setup.linkedUser.id);
      expect(reply.status).toBe(200);
      expect(reply.body.resets[0]).toMatchObject({
        state: "pending",
        requestedBy: { kind: "team_member", name: "Jane Smith", role: "manager", companyName: "Parent Group" },
      });
    }
  });

  it("is shown to administrators and managers only (403 for user and read-only), and 404 outside the company", async () => {
    const a = await createCompanyWithUsers(t.deps);
    const b = await createCompanyWithUsers(t.deps);
    const target = a.users.user;
    for (const role of ["user", "read_only"] as const) {
      const reply = await history(await signIn(t, a.users[role]), target.id);
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("FORBIDDEN");
    }
    const outsider = await signIn(t, b.users.administrator);
    const outside = await history(outsider, target.id);
    const missing = await history(outsider, randomUUID());
    expect(outside.status).toBe(404);
    expect(outside.body).toEqual(missing.body);
    expect((await history(outsider, "not-a-uuid")).status).toBe(400);
    expect((await t.client().get(`/api/v1/users/${target.id}/password-resets`)).status).toBe(401);
  });
});

describe("revoking a pending link", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function pendingReset() {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const admin = await signIn(t, users.administrator);
    const reply = await admin.post(`/api/v1/users/${target.id}/password-reset`);
    expect(reply.status).toBe(202);
    const { token } = await nextResetEmail(t, target.email);
    return { company, users, target, admin, token, resetId: reply.body.reset.id as string };
  }
  const revoke = (browser: TestClient, userId: string, resetId: string) => browser.post(`/api/v1/users/${userId}/password-resets/${resetId}/revoke`);

  it("kills the link at once, audits it, and says so when asked twice", async () => {
    const { company, users, target, admin, token, resetId } = await pendingReset();
    const reply = await revoke(admin, target.id, resetId);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    expect((await t.client().post("/api/v1/links/inspect", { token })).body).toMatchObject({ valid: false, reason: "revoked" });
    expect((await submitNewPassword(t.client(), token)).body.error.code).toBe("LINK_REVOKED");
    const [link] = await linksOf(t, target.id);
    expect(link?.revokedReason).toBe("admin");
    const row = (await auditRowsOf(t, "password_reset.revoked")).find((r) => r.targetUserId === target.id);
    expect(row).toMatchObject({ actorUserId: users.administrator.id, actorCompanyId: company.id, targetCompanyId: company.id, details: { linkId: resetId, purpose: "reset" } });
    const again = await revoke(admin, target.id, resetId);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("LINK_NOT_PENDING");
  });

  it("refuses a user and a read-only user (403), the actor's own links (403), and anything outside the company or another user's link (404)", async () => {
    const { company, users, target, resetId, token } = await pendingReset();
    for (const role of ["user", "read_only"] as const) {
      const reply = await revoke(await signIn(t, users[role]), target.id, resetId);
      expect(reply.status).toBe(403);
    }
    const other = await createCompanyWithUsers(t.deps);
    const outsider = await signIn(t, other.users.administrator);
    expect((await revoke(outsider, target.id, resetId)).status).toBe(404);
    // The link id under another user of the actor's own company is not found either.
    const admin = await signIn(t, users.administrator);
    const someoneElse = await createUser(t.deps, company);
    expect((await revoke(admin, someoneElse.id, resetId)).status).toBe(404);
    expect((await revoke(admin, target.id, randomUUID())).status).toBe(404);
    expect((await revoke(admin, users.administrator.id, resetId)).body.error.code).toBe("CANNOT_ACT_ON_SELF");
    expect((await t.client().post("/api/v1/links/inspect", { token })).body).toMatchObject({ valid: true });
  });
});

describe("the delivery state of reset emails", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("shows queued while no worker runs; drops the emails of links superseded or revoked before delivery, and sends the live one", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const revokedTarget = await createUser(t.deps, company);
    const admin = await signIn(t, users.administrator);
    expect((await admin.post(`/api/v1/users/${target.id}/password-reset`)).status).toBe(202);
    t.clock.advance(SECOND);
    expect((await admin.post(`/api/v1/users/${target.id}/password-reset`)).status).toBe(202);
    const toRevoke = await admin.post(`/api/v1/users/${revokedTarget.id}/password-reset`);
    expect((await admin.post(`/api/v1/users/${revokedTarget.id}/password-resets/${toRevoke.body.reset.id}/revoke`)).status).toBe(200);

    const before = await history(admin, target.id);
    expect(before.body.resets.map((r: { state: string; emailStatus: string }) => [r.state, r.emailStatus])).toEqual([
      ["pending", "queued"],
      ["superseded", "queued"],
    ]);

    await t.startWorker();
    await settleOutbox(t);
    const after = await history(admin, target.id);
    expect(after.body.resets.map((r: { state: string; emailStatus: string }) => [r.state, r.emailStatus])).toEqual([
      ["pending", "sent"],
      ["superseded", "dropped"],
    ]);
    expect((await history(admin, revokedTarget.id)).body.resets[0]).toMatchObject({ state: "revoked", emailStatus: "dropped" });
    expect(t.smtp.messages.filter((m) => m.to.includes(target.email))).toHaveLength(1);
    expect(t.smtp.messages.filter((m) => m.to.includes(revokedTarget.email))).toEqual([]);
  });

  function history(browser: TestClient, userId: string) {
    return browser.get(`/api/v1/users/${userId}/password-resets`);
  }
});

/** Signs in someone who chose NEW_PASSWORD through a link. */
async function signInAs(t: TestApp, email: string): Promise<TestClient> {
  const browser = t.client();
  const reply = await browser.post("/api/v1/auth/login", { email, password: NEW_PASSWORD });
  if (reply.status !== 200) throw new Error(`sign-in failed: ${reply.status}`);
  return browser;
}
