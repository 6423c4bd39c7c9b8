import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { auditEvents, linkTokens, sessions, users } from "../../src/db/schema.ts";
import { restoreCompany } from "../../src/features/companies/restore-company.ts";
import type { TestClient } from "../support/client.ts";
import { FACTORY_PASSWORD, createCompanyWithUsers, createUser, signIn, snapshotCompany, type SeedCompany, type UsersByRole } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let acme: { company: SeedCompany; users: UsersByRole };
let admin: TestClient;
let manager: TestClient;

beforeAll(async () => {
  t = await startTestApp({ worker: false });
  acme = await createCompanyWithUsers(t.deps, { name: "Acme" });
  admin = await signIn(t, acme.users.administrator);
  manager = await signIn(t, acme.users.manager);
});
afterAll(async () => {
  await t?.close();
});

describe("the company profile", () => {
  it("shows the acting company and what the viewer may change", async () => {
    const reply = await admin.get("/api/v1/company");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      company: {
        id: acme.company.id,
        name: "Acme",
        contactEmail: expect.any(String),
        phone: null,
        address: null,
        createdAt: expect.any(String),
        isMultiCompany: false,
        parent: null,
        secondFactorPolicy: { required: false, requiredSince: null, graceDays: 7, passkeySignInAllowed: false, applyToLinked: false },
        parentSecondFactorPolicy: null,
      },
      permissions: { rename: true, updateContact: true, delete: true, setSecondFactorPolicy: true },
    });
    expect((await manager.get("/api/v1/company")).body.permissions).toEqual({ rename: false, updateContact: true, delete: false, setSecondFactorPolicy: false });
    const reader = await signIn(t, acme.users.read_only);
    expect((await reader.get("/api/v1/company")).body.permissions).toEqual({ rename: false, updateContact: false, delete: false, setSecondFactorPolicy: false });
  });

  it("asks for a session", async () => {
    expect((await t.client().get("/api/v1/company")).status).toBe(401);
  });
});

describe("updating the company", () => {
  it("lets the administrator rename it and change the contact details, and records it", async () => {
    const reply = await admin.patch("/api/v1/company", { name: "Acme Ltd", contactEmail: "hello@acme.test", phone: "+1 (555) 010-0200", address: "1 Road\nTown" });
    expect(reply.status).toBe(200);
    expect(reply.body.company).toMatchObject({ name: "Acme Ltd", contactEmail: "hello@acme.test", phone: "+1 (555) 010-0200", address: "1 Road\nTown" });
    expect(reply.body.permissions.rename).toBe(true);
    const [audit] = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "company.updated"), eq(auditEvents.targetCompanyId, acme.company.id)));
    expect(audit).toMatchObject({ actorUserId: acme.users.administrator.id, details: { changed: ["name", "contactEmail", "phone", "address"] } });
    await admin.patch("/api/v1/company", { name: "Acme" });
  });

  it("lets a manager change contact details, sending the unchanged name back, but never rename", async () => {
    const ok = await manager.patch("/api/v1/company", { name: "Acme", phone: "020 7946 0001" });
    expect(ok.status).toBe(200);
    expect(ok.body.company.phone).toBe("020 7946 0001");

    const before = await snapshotCompany(t.deps, acme.company.id);
    const refused = await manager.patch("/api/v1/company", { name: "Manager's Acme", phone: "020 7946 0002" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("FORBIDDEN");
    // Not even the phone number, which the manager may change on its own.
    expect(await snapshotCompany(t.deps, acme.company.id)).toEqual(before);
  });

  it("clears a contact field sent empty or null", async () => {
    await admin.patch("/api/v1/company", { phone: "020 7946 0003", address: "Somewhere" });
    const reply = await admin.patch("/api/v1/company", { phone: "", address: null });
    expect(reply.body.company).toMatchObject({ phone: null, address: null });
  });

  it("refuses bad input with 400 and changes nothing", async () => {
    const before = await snapshotCompany(t.deps, acme.company.id);
    const bodies: unknown[] = [
      {},
      { name: "" },
      { name: "n".repeat(201) },
      { name: 7 },
      { contactEmail: "not an email" },
      { contactEmail: ["a@acme.test", "b@acme.test"] },
      { contactEmail: `${"c".repeat(250)}@acme.test` },
      { phone: "call me maybe" },
      { phone: "1".repeat(41) },
      { phone: "+-" },
      { address: "a".repeat(501) },
      { address: "line\u0000break" },
      { name: "Acme", isMultiCompany: true },
      { deletedAt: null },
    ];
    for (const body of bodies) {
      const reply = await admin.patch("/api/v1/company", body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.error).toMatchObject({ code: "VALIDATION_FAILED", message: expect.any(String) });
    }
    expect(await snapshotCompany(t.deps, acme.company.id)).toEqual(before);
  });
});

describe("deleting the company", () => {
  it("is refused to a manager and to a wrong confirmation, changing nothing", async () => {
    const doomed = await createCompanyWithUsers(t.deps, { name: "Doomed Inc" });
    const doomedAdmin = await signIn(t, doomed.users.administrator);
    const doomedManager = await signIn(t, doomed.users.manager);
    const before = await snapshotCompany(t.deps, doomed.company.id);

    const byManager = await doomedManager.post("/api/v1/company/delete", { confirmName: "Doomed Inc" });
    expect(byManager.status).toBe(403);
    for (const confirmName of ["doomed inc", "Doomed", ""]) {
      const reply = await doomedAdmin.post("/api/v1/company/delete", { confirmName });
      expect(reply.status, confirmName).toBe(422);
      expect(reply.body.error.code).toBe("COMPANY_NAME_MISMATCH");
    }
    expect((await doomedAdmin.post("/api/v1/company/delete", {})).status).toBe(400);
    expect((await doomedAdmin.post("/api/v1/company/delete", { confirmName: "Doomed Inc", force: true })).status).toBe(400);
    expect(await snapshotCompany(t.deps, doomed.company.id)).toEqual(before);
  });

  it("signs everyone out, kills their links, and nobody signs in until the operator restores it", async () => {
    const doomed = await createCompanyWithUsers(t.deps, { name: "Gone Ltd" });
    const doomedAdmin = await signIn(t, doomed.users.administrator);
    const others = await Promise.all([signIn(t, doomed.users.manager), signIn(t, doomed.users.user)]);
    const invited = await doomedAdmin.post("/api/v1/users", { name: "Just Invited", email: "just.invited@gone.test" });
    expect(invited.status).toBe(201);

    const reply = await doomedAdmin.post("/api/v1/company/delete", { confirmName: "Gone Ltd" });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    expect([...doomedAdmin.cookies.keys()].some((name) => name.endsWith("latchkey_session"))).toBe(false);

    for (const browser of others) expect((await browser.get("/api/v1/auth/me")).status).toBe(401);
    const memberIds = (await t.deps.db.select({ id: users.id }).from(users).where(eq(users.companyId, doomed.company.id))).map((u) => u.id);
    for (const id of memberIds) {
      const rows = await t.deps.db.select().from(sessions).where(eq(sessions.userId, id));
      expect(rows.every((s) => s.revokedAt !== null)).toBe(true);
    }
    const [link] = await t.deps.db.select().from(linkTokens).where(eq(linkTokens.userId, invited.body.user.id));
    expect(link).toMatchObject({ revokedReason: "company_deleted" });
    const login = await t.client().post("/api/v1/auth/login", { email: doomed.users.user.email, password: FACTORY_PASSWORD });
    expect(login.status).toBe(401);
    const [audit] = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "company.deleted"), eq(auditEvents.targetCompanyId, doomed.company.id)));
    expect(audit?.actorUserId).toBe(doomed.users.administrator.id);

    const restored = await restoreCompany(t.deps.db, doomed.company.id, t.clock.now());
    expect(restored).toEqual({ ok: true, company: { id: doomed.company.id, name: "Gone Ltd" } });
    expect((await t.client().post("/api/v1/auth/login", { email: doomed.users.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
    // Sessions ended by the deletion stay ended.
    for (const browser of others) expect((await browser.get("/api/v1/auth/me")).status).toBe(401);
  });

  it("restoreCompany says when there is nothing to restore", async () => {
    expect(await restoreCompany(t.deps.db, acme.company.id, t.clock.now())).toEqual({ ok: false, reason: "not_deleted" });
    expect(await restoreCompany(t.deps.db, "00000000-0000-4000-8000-000000000000", t.clock.now())).toEqual({ ok: false, reason: "not_found" });
    expect(await restoreCompany(t.deps.db, "not-a-uuid", t.clock.now())).toEqual({ ok: false, reason: "not_found" });
  });

  it("leaves other companies alone", async () => {
    const bystander = await createCompanyWithUsers(t.deps, { name: "Bystander" });
    const browser = await signIn(t, bystander.users.user);
    const doomed = await createCompanyWithUsers(t.deps, { name: "Short Lived" });
    const doomedAdmin = await signIn(t, doomed.users.administrator);
    await createUser(t.deps, bystander.company, {});
    const before = await snapshotCompany(t.deps, bystander.company.id);
    expect((await doomedAdmin.post("/api/v1/company/delete", { confirmName: "Short Lived" })).status).toBe(200);
    expect({ ...(await snapshotCompany(t.deps, bystander.company.id)), emailCount: 0 }).toEqual({ ...before, emailCount: 0 });
    expect((await browser.get("/api/v1/auth/me")).status).toBe(200);
  });
});
