import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { auditEvents } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import {
  FACTORY_PASSWORD,
  createCompanyWithUsers,
  createUser,
  invitationTokenIn,
  inviteUser,
  lastEmailTo,
  signIn,
  snapshotCompany,
  type SeedCompany,
  type UsersByRole,
} from "../support/factories.ts";
import { TEST_PUBLIC_URL, startTestApp, type TestApp } from "../support/test-app.ts";

const NEW_PASSWORD = "a brand new passphrase 2024";
const names = (reply: { body: { users: Array<{ name: string }> } }) => reply.body.users.map((u) => u.name);

let t: TestApp;
let acme: { company: SeedCompany; users: UsersByRole };
let globex: { company: SeedCompany; users: UsersByRole };
let admin: TestClient;

beforeAll(async () => {
  t = await startTestApp({ worker: false });
  acme = await createCompanyWithUsers(t.deps, { name: "Acme" });
  globex = await createCompanyWithUsers(t.deps, { name: "Globex" });
  admin = await signIn(t, acme.users.administrator);
});
afterAll(async () => {
  await t?.close();
});

describe("creating a user", () => {
  it("creates a user without a password and queues an invitation to the stored address, linking to PUBLIC_URL", async () => {
    const reply = await admin.post("/api/v1/users", { name: "Nina New", email: "  Nina.New@Acme.test ", role: "manager" });
    expect(reply.status).toBe(201);
    expect(reply.body.user).toMatchObject({
      name: "Nina New",
      email: "Nina.New@Acme.test",
      role: "manager",
      status: "active",
      hasPassword: false,
      company: { id: acme.company.id, name: "Acme" },
      passwordChangedAt: null,
      deactivatedAt: null,
    });
    const email = await lastEmailTo(t.deps, reply.body.user.id);
    expect(email).toMatchObject({ kind: "invitation", toAddress: "Nina.New@Acme.test", status: "queued", linkTokenId: expect.any(String) });
    expect(email.subject).toContain("Acme");
    expect(email.text).toContain(`${TEST_PUBLIC_URL}/set-password#token=`);
    expect(email.html).toContain(`${TEST_PUBLIC_URL}/set-password#token=`);

    const [audit] = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.created"), eq(auditEvents.targetUserId, reply.body.user.id)));
    expect(audit).toMatchObject({ actorUserId: acme.users.administrator.id, actorCompanyId: acme.company.id, targetCompanyId: acme.company.id });
  });

  it("gives role user when none is named, and the invitation's link sets a password that signs in", async () => {
    const reply = await admin.post("/api/v1/users", { name: "Ursula Default", email: "ursula@acme.test" });
    expect(reply.body.user.role).toBe("user");
    const token = invitationTokenIn((await lastEmailTo(t.deps, reply.body.user.id)).text);
    const inspected = await t.client().post("/api/v1/links/inspect", { token });
    expect(inspected.body).toMatchObject({ valid: true, purpose: "invite", email: "ursula@acme.test" });
    const set = await t.client().post("/api/v1/links/set-password", { token, password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD });
    expect(set.status).toBe(200);
    expect((await t.client().post("/api/v1/auth/login", { email: "ursula@acme.test", password: NEW_PASSWORD })).status).toBe(200);
    expect((await admin.get(`/api/v1/users/${reply.body.user.id}`)).body.user.hasPassword).toBe(true);
  });

  it("refuses an address already taken in another case or Unicode form (409), creating nothing and sending nothing", async () => {
    await createUser(t.deps, globex.company, { name: "José Existing", email: "Jos\u00e9.Existing@globex.test" });
    for (const email of ["jos\u00e9.existing@GLOBEX.test", "JOSE\u0301.EXISTING@globex.test", acme.users.manager.email.toUpperCase()]) {
      const before = await snapshotCompany(t.deps, acme.company.id);
      const reply = await admin.post("/api/v1/users", { name: "Copy Cat", email, role: "user" });
      expect(reply.status, email).toBe(409);
      expect(reply.body.error.code).toBe("EMAIL_TAKEN");
      expect(await snapshotCompany(t.deps, acme.company.id)).toEqual(before);
    }
  });

  it("refuses malformed bodies with 400, creating nothing and sending nothing", async () => {
    const bodies: unknown[] = [
      { name: "X", email: "x1@acme.test", role: "user", companyId: globex.company.id },
      { name: 42, email: "x2@acme.test" },
      { name: "X", email: ["x3@acme.test", "x4@evil.test"] },
      { name: "X", email: { address: "x5@acme.test" } },
      { name: "X", email: "x6@acme.test", role: "owner" },
      { name: "X".repeat(201), email: "x7@acme.test" },
      { name: "X", email: `${"x".repeat(250)}@acme.test` },
      { name: "   ", email: "x8@acme.test" },
      { name: "Bell\u0007", email: "x9@acme.test" },
      { email: "x10@acme.test" },
      "{not json",
    ];
    for (const body of bodies) {
      const before = await snapshotCompany(t.deps, acme.company.id);
      const reply = await admin.post("/api/v1/users", body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error).toMatchObject({ code: "VALIDATION_FAILED", message: expect.any(String) });
      expect(await snapshotCompany(t.deps, acme.company.id)).toEqual(before);
    }
  });
});

describe("one user's page", () => {
  it("shows the details and what the viewer may do", async () => {
    const asAdmin = await admin.get(`/api/v1/users/${acme.users.manager.id}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.user).toMatchObject({ id: acme.users.manager.id, role: "manager", company: { id: acme.company.id, name: "Acme" } });
    expect(asAdmin.body.permissions).toEqual({
      edit: true,
      changeRole: true,
      assignableRoles: ["manager", "user", "read_only"],
      deactivate: true,
      restore: false,
      resetPassword: true,
      resetSecondFactor: true,
      signOut: true,
      viewSignIns: true,
    });
    const manager = await signIn(t, acme.users.manager);
    expect((await manager.get(`/api/v1/users/${acme.users.administrator.id}`)).body.permissions).toEqual({
      edit: false,
      changeRole: false,
      assignableRoles: [],
      deactivate: false,
      restore: false,
      resetPassword: true,
      resetSecondFactor: true,
      signOut: false,
      viewSignIns: true,
    });
    expect((await manager.get(`/api/v1/users/${acme.users.read_only.id}`)).body.permissions).toMatchObject({ edit: true, assignableRoles: ["user", "read_only"] });
    const self = await admin.get(`/api/v1/users/${acme.users.administrator.id}`);
    // Nothing to do to oneself here; one's own recent sign-ins may be read like anyone's (decision 0051).
    const { viewSignIns, ...acts } = self.body.permissions;
    expect(viewSignIns).toBe(true);
    expect(Object.values(acts).every((v) => v === false || (Array.isArray(v) && v.length === 0))).toBe(true);
  });

  it("answers 400 for an id that is not a uuid and 404 for an unknown one", async () => {
    expect((await admin.get("/api/v1/users/not-a-uuid")).status).toBe(400);
    expect((await admin.get("/api/v1/users/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });
});

describe("another company's users", () => {
  it("answer 404 on every route, exactly like missing ones, and nothing changes or is sent", async () => {
    const invited = await createUser(t.deps, globex.company, { name: "Invited Globex", withPassword: false });
    const stranger = globex.users.user.id;
    const missing = "00000000-0000-4000-8000-000000000000";
    const before = await snapshotCompany(t.deps, globex.company.id);
    for (const id of [stranger, invited.id, missing]) {
      const replies = [
        await admin.get(`/api/v1/users/${id}`),
        await admin.patch(`/api/v1/users/${id}`, { name: "Hijacked" }),
        await admin.put(`/api/v1/users/${id}/role`, { role: "read_only" }),
        await admin.post(`/api/v1/users/${id}/deactivate`),
        await admin.post(`/api/v1/users/${id}/restore`),
        await admin.post(`/api/v1/users/${id}/invitation`),
      ];
      for (const reply of replies) {
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual({ error: { code: "NOT_FOUND", message: "Not found." } });
      }
    }
    expect(await snapshotCompany(t.deps, globex.company.id)).toEqual(before);
  });

  it("answer 404, not 403, to a role that could not act anyway: nothing tells them the user exists", async () => {
    const reader = await signIn(t, acme.users.read_only);
    for (const id of [globex.users.user.id, "00000000-0000-4000-8000-000000000000"]) {
      expect((await reader.post(`/api/v1/users/${id}/deactivate`)).status).toBe(404);
      expect((await reader.put(`/api/v1/users/${id}/role`, { role: "administrator" })).status).toBe(404);
    }
    expect((await reader.post(`/api/v1/users/${acme.users.user.id}/deactivate`)).status).toBe(403);
  });

  it("are never listed or found by search", async () => {
    const reply = await admin.get(`/api/v1/users?q=${encodeURIComponent(globex.users.user.email)}`);
    expect(reply.body).toMatchObject({ users: [], total: 0 });
  });
});

describe("editing a user", () => {
  it("changes the name, and the list sorts by the new name", async () => {
    const target = await createUser(t.deps, acme.company, { name: "Old Name" });
    const reply = await admin.patch(`/api/v1/users/${target.id}`, { name: "Quentin New" });
    expect(reply.status).toBe(200);
    expect(reply.body.user.name).toBe("Quentin New");
    expect(names(await admin.get("/api/v1/users?q=quentin"))).toEqual(["Quentin New"]);
    const [audit] = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.updated"), eq(auditEvents.targetUserId, target.id)));
    expect(audit?.details).toEqual({ changed: ["name"] });
  });

  it("a new email kills the outstanding invitation link but keeps the user's sessions (decision 0005)", async () => {
    const { user, token } = await inviteUser(t, admin, "Mover Invited", "mover@acme.test");
    const changed = await admin.patch(`/api/v1/users/${user.id}`, { email: "mover@elsewhere.test" });
    expect(changed.status).toBe(200);
    expect((await t.client().post("/api/v1/links/inspect", { token })).body).toMatchObject({ valid: false, reason: "revoked" });

    const signedIn = await createUser(t.deps, acme.company, { email: "stays@acme.test" });
    const browser = await signIn(t, signedIn);
    expect((await admin.patch(`/api/v1/users/${signedIn.id}`, { email: "stays@elsewhere.test" })).status).toBe(200);
    expect((await browser.get("/api/v1/auth/me")).status).toBe(200);
    expect((await t.client().post("/api/v1/auth/login", { email: "stays@elsewhere.test", password: FACTORY_PASSWORD })).status).toBe(200);
  });

  it("refuses an email that another user has, in any case, with 409 and changes nothing", async () => {
    const target = await createUser(t.deps, acme.company, {});
    const before = await snapshotCompany(t.deps, acme.company.id);
    const reply = await admin.patch(`/api/v1/users/${target.id}`, { email: globex.users.user.email.toUpperCase(), name: "Would Change" });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe("EMAIL_TAKEN");
    expect(await snapshotCompany(t.deps, acme.company.id)).toEqual(before);
  });

  it("refuses empty, unknown and oversized fields with 400", async () => {
    const target = await createUser(t.deps, acme.company, {});
    const before = await snapshotCompany(t.deps, acme.company.id);
    for (const body of [{}, { role: "manager" }, { name: "" }, { name: "n".repeat(201) }, { email: "not an email" }, { email: null }]) {
      const reply = await admin.patch(`/api/v1/users/${target.id}`, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin.patch("/api/v1/users/123", { name: "X" })).status).toBe(400);
    expect((await admin.put(`/api/v1/users/${target.id}/role`, { role: "superuser" })).status).toBe(400);
    expect((await admin.put(`/api/v1/users/${target.id}/role`, { role: ["user"] })).status).toBe(400);
    expect(await snapshotCompany(t.deps, acme.company.id)).toEqual(before);
  });

  it("records a role change with the old and new role", async () => {
    const target = await createUser(t.deps, acme.company, { role: "read_only" });
    const reply = await admin.put(`/api/v1/users/${target.id}/role`, { role: "manager" });
    expect(reply.body.user.role).toBe("manager");
    const [audit] = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.role_changed"), eq(auditEvents.targetUserId, target.id)));
    expect(audit).toMatchObject({ actorUserId: acme.users.administrator.id, targetCompanyId: acme.company.id, details: { from: "read_only", to: "manager" } });
  });
});
