import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { auditEvents, sessions } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import {
  FACTORY_PASSWORD,
  countEmails,
  createCompanyWithUsers,
  createUser,
  invitationTokenIn,
  inviteUser,
  lastEmailTo,
  readUser,
  signIn,
  type SeedCompany,
  type UsersByRole,
} from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let acme: { company: SeedCompany; users: UsersByRole };
let admin: TestClient;

beforeAll(async () => {
  t = await startTestApp({ worker: false });
  acme = await createCompanyWithUsers(t.deps, { name: "Acme" });
  admin = await signIn(t, acme.users.administrator);
});
afterAll(async () => {
  await t?.close();
});

describe("deactivating and restoring", () => {
  it("a deactivated user cannot sign in, their session cookie is refused, and their links die", async () => {
    const target = await createUser(t.deps, acme.company, { email: "leaver@acme.test" });
    const browser = await signIn(t, target);
    expect((await browser.get("/api/v1/auth/me")).status).toBe(200);

    const reply = await admin.post(`/api/v1/users/${target.id}/deactivate`);
    expect(reply.status).toBe(200);
    expect(reply.body.user).toMatchObject({ status: "deactivated", deactivatedAt: expect.any(String) });
    expect((await browser.get("/api/v1/auth/me")).status).toBe(401);
    const login = await t.client().post("/api/v1/auth/login", { email: "leaver@acme.test", password: FACTORY_PASSWORD });
    expect(login.status).toBe(401);
    expect(login.body.error.code).toBe("INVALID_CREDENTIALS");
    const ended = await t.deps.db.select({ revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.userId, target.id));
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.every((s) => s.revokedAt !== null)).toBe(true);

    const { user: invited, token } = await inviteUser(t, admin, "Invited Leaver", "invited.leaver@acme.test");
    expect((await admin.post(`/api/v1/users/${invited.id}/deactivate`)).status).toBe(200);
    expect((await t.client().post("/api/v1/links/inspect", { token })).body).toMatchObject({ valid: false, reason: "revoked" });
    expect((await admin.post(`/api/v1/users/${invited.id}/deactivate`)).body.error.code).toBe("USER_ALREADY_DEACTIVATED");
  });

  it("a restored user cannot sign in with the old password until they set a new one", async () => {
    const target = await createUser(t.deps, acme.company, { email: "returner@acme.test" });
    await admin.post(`/api/v1/users/${target.id}/deactivate`);
    const reply = await admin.post(`/api/v1/users/${target.id}/restore`);
    expect(reply.status).toBe(200);
    expect(reply.body.user).toMatchObject({ status: "active", deactivatedAt: null, hasPassword: false });
    expect((await readUser(t.deps, target.id)).passwordHash).toBeNull();
    expect((await t.client().post("/api/v1/auth/login", { email: "returner@acme.test", password: FACTORY_PASSWORD })).status).toBe(401);
    // Once had a password: the way back is a password reset, not an invitation.
    const invitation = await admin.post(`/api/v1/users/${target.id}/invitation`);
    expect(invitation.status).toBe(409);
    expect(invitation.body.error.code).toBe("INVITATION_NOT_NEEDED");
    expect((await admin.post(`/api/v1/users/${target.id}/restore`)).body.error.code).toBe("USER_ALREADY_ACTIVE");
    const actions = await t.deps.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetUserId, target.id));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(["user.deactivated", "user.restored"]));
  });
});

describe("sending the invitation again", () => {
  it("issues a new link that supersedes the old one, to the stored address", async () => {
    const { user, token: first } = await inviteUser(t, admin, "Slow Starter", "Slow.Starter@acme.test");
    t.clock.advance(1_000);
    const reply = await admin.post(`/api/v1/users/${user.id}/invitation`);
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ ok: true, reset: { id: expect.any(String), expiresAt: expect.any(String) } });
    const email = await lastEmailTo(t.deps, user.id);
    expect(email.toAddress).toBe("Slow.Starter@acme.test");
    const second = invitationTokenIn(email.text);
    expect(second).not.toBe(first);
    expect((await t.client().post("/api/v1/links/inspect", { token: first })).body).toMatchObject({ valid: false, reason: "superseded" });
    expect((await t.client().post("/api/v1/links/inspect", { token: second })).body).toMatchObject({ valid: true, purpose: "invite" });
  });

  it("is refused for a user who has a password, a deactivated user, and by a user without the right", async () => {
    expect((await admin.post(`/api/v1/users/${acme.users.user.id}/invitation`)).body.error.code).toBe("INVITATION_NOT_NEEDED");
    const gone = await createUser(t.deps, acme.company, { withPassword: false, status: "deactivated" });
    expect((await admin.post(`/api/v1/users/${gone.id}/invitation`)).body.error.code).toBe("USER_DEACTIVATED");
    const pending = await createUser(t.deps, acme.company, { withPassword: false });
    const emailsBefore = await countEmails(t.deps);
    const plainUser = await signIn(t, acme.users.user);
    const refused = await plainUser.post(`/api/v1/users/${pending.id}/invitation`);
    expect(refused.status).toBe(403);
    expect(await countEmails(t.deps)).toBe(emailsBefore);
  });

  it("stops after five in an hour for one user, so nobody's mailbox is flooded", async () => {
    const pending = await createUser(t.deps, acme.company, { withPassword: false });
    for (let i = 0; i < 5; i++) expect((await admin.post(`/api/v1/users/${pending.id}/invitation`)).status).toBe(202);
    const before = await countEmails(t.deps);
    expect((await admin.post(`/api/v1/users/${pending.id}/invitation`)).status).toBe(429);
    expect(await countEmails(t.deps)).toBe(before);
    t.clock.advance(3_600_001);
    expect((await admin.post(`/api/v1/users/${pending.id}/invitation`)).status).toBe(202);
  });
});
