import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, companies, emails, managementGrants } from "../../src/db/schema.ts";
import { linkCompany, markMultiCompany, unlinkCompany } from "../../src/features/linked-companies/link-company.ts";
import type { TestClient } from "../support/client.ts";
import { countEmails, createCompany, createUser, signIn, type SeedCompany, type SeedUser } from "../support/factories.ts";
import { linksOf } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;

/** A fresh parent with one linked company, its administrator, and a manager holding a grant, switched in. */
async function world(name: string) {
  const parent = await createCompany(t.deps, { name: `${name} Agency` });
  expect(await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 3, now: t.clock.now() })).toEqual({ ok: true });
  const linked = await createCompany(t.deps, { name: `${name} Client` });
  expect(await linkCompany(t.deps.db, { parentId: parent.id, childId: linked.id, now: t.clock.now() })).toEqual({ ok: true });
  const admin = await createUser(t.deps, parent, { role: "administrator", name: `${name} Admin` });
  const member = await createUser(t.deps, parent, { role: "manager", name: `${name} Member` });
  const nativeUser = await createUser(t.deps, linked, { role: "user", name: `${name} Native` });
  const adminBrowser = await signIn(t, admin);
  expect((await adminBrowser.put(`/api/v1/users/${member.id}/managed-companies/${linked.id}`)).status).toBe(200);
  const memberBrowser = await signIn(t, member);
  expect((await memberBrowser.post("/api/v1/session/switch", { companyId: linked.id })).status).toBe(200);
  return { parent, linked, admin, member, nativeUser, adminBrowser, memberBrowser };
}

const canSee = async (browser: TestClient, user: SeedUser) => (await browser.get(`/api/v1/users/${user.id}`)).status;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe("linking (operator)", () => {
  it("keeps to one level and one parent", async () => {
    const now = t.clock.now();
    const a = await createCompany(t.deps, { name: "Level A" });
    const b = await createCompany(t.deps, { name: "Level B" });
    const c = await createCompany(t.deps, { name: "Level C" });
    expect(await linkCompany(t.deps.db, { parentId: a.id, childId: b.id, now })).toEqual({ ok: false, reason: "parent_not_multi_company" });
    await markMultiCompany(t.deps.db, { companyId: a.id, allowance: 1, now });
    expect(await linkCompany(t.deps.db, { parentId: a.id, childId: a.id, now })).toEqual({ ok: false, reason: "same_company" });
    expect(await linkCompany(t.deps.db, { parentId: a.id, childId: b.id, now })).toEqual({ ok: true });
    // b is now linked: it can be neither a parent nor linked a second time.
    expect(await markMultiCompany(t.deps.db, { companyId: b.id, allowance: 1, now })).toEqual({ ok: false, reason: "already_linked" });
    await markMultiCompany(t.deps.db, { companyId: c.id, allowance: 1, now });
    expect(await linkCompany(t.deps.db, { parentId: c.id, childId: b.id, now })).toEqual({ ok: false, reason: "already_linked" });
    // A parent with links cannot itself be linked.
    expect(await linkCompany(t.deps.db, { parentId: c.id, childId: a.id, now })).toEqual({ ok: false, reason: "child_is_multi_company" });
  });
});

describe("immediate effect: no cached permission outlives a change", () => {
  it("revoking the grant refuses the member's very next request in the linked company", async () => {
    const w = await world("Revoke");
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(200);
    expect((await w.adminBrowser.delete(`/api/v1/users/${w.member.id}/managed-companies/${w.linked.id}`)).status).toBe(200);
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(404);
    expect((await w.memberBrowser.post(`/api/v1/users/${w.nativeUser.id}/password-reset`)).status).toBe(404);
    expect((await w.memberBrowser.get("/api/v1/auth/me")).body.actingCompany).toMatchObject({ id: w.parent.id, switched: false });
  });

  it("un-linking refuses the next request and removes every grant for the company at once; native logins stay", async () => {
    const w = await world("Unlink");
    const second = await createUser(t.deps, w.parent, { role: "manager" });
    await w.adminBrowser.put(`/api/v1/users/${second.id}/managed-companies/${w.linked.id}`);
    const nativeBrowser = await signIn(t, w.nativeUser);
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(200);
    const result = await unlinkCompany(t.deps.db, t.deps.jobs, { childId: w.linked.id, now: t.clock.now() });
    expect(result).toEqual({ ok: true, grantsRemoved: 2 });
    expect(await t.deps.db.select().from(managementGrants).where(eq(managementGrants.companyId, w.linked.id))).toEqual([]);
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(404);
    expect((await nativeBrowser.get("/api/v1/auth/me")).status).toBe(200);
    const audit = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "company.unlinked"), eq(auditEvents.targetCompanyId, w.linked.id)));
    expect(audit).toHaveLength(1);
  });

  it("lowering the member below manager refuses the next request", async () => {
    const w = await world("Demote");
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(200);
    expect((await w.adminBrowser.put(`/api/v1/users/${w.member.id}/role`, { role: "user" })).status).toBe(200);
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(404);
    // The grant went with the role: promoting them back does not silently restore the access.
    expect((await w.adminBrowser.put(`/api/v1/users/${w.member.id}/role`, { role: "manager" })).status).toBe(200);
    expect((await w.memberBrowser.post("/api/v1/session/switch", { companyId: w.linked.id })).status).toBe(404);
  });

  it("deactivating the member ends their session", async () => {
    const w = await world("Deactivate");
    expect((await w.adminBrowser.post(`/api/v1/users/${w.member.id}/deactivate`)).status).toBe(200);
    expect(await canSee(w.memberBrowser, w.nativeUser)).toBe(401);
  });
});

describe("cross-company password reset", () => {
  it("sends the email naming the member and their company, and audits both companies and the grant", async () => {
    const w = await world("Cross");
    const reply = await w.memberBrowser.post(`/api/v1/users/${w.nativeUser.id}/password-reset`);
    expect(reply.status).toBe(202);
    expect(JSON.stringify(reply.body)).not.toContain("token");
    const message = await t.smtp.waitFor({ to: w.nativeUser.email });
    expect(message.text).toContain(`${w.member.name} (manager at ${w.parent.name})`);
    expect(message.text).toContain(w.linked.name);
    const [grant] = await t.deps.db.select().from(managementGrants).where(eq(managementGrants.teamMemberId, w.member.id));
    const [row] = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "password_reset.requested"), eq(auditEvents.targetUserId, w.nativeUser.id)));
    expect(row).toMatchObject({ actorUserId: w.member.id, actorCompanyId: w.parent.id, actingCompanyId: w.linked.id, targetCompanyId: w.linked.id, grantId: grant?.id });
  });

  it.each([
    ["lowered below manager", (w: Awaited<ReturnType<typeof world>>) => w.adminBrowser.put(`/api/v1/users/${w.member.id}/role`, { role: "read_only" })],
    ["deactivated", (w: Awaited<ReturnType<typeof world>>) => w.adminBrowser.post(`/api/v1/users/${w.member.id}/deactivate`)],
  ])("kills the links a member sent when they are %s", async (_how, act) => {
    const w = await world(`Lost ${_how}`);
    expect((await w.memberBrowser.post(`/api/v1/users/${w.nativeUser.id}/password-reset`)).status).toBe(202);
    expect((await act(w)).status).toBe(200);
    expect((await linksOf(t, w.nativeUser.id)).map((l) => l.revokedReason)).toEqual(["authority_lost"]);
  });

  it("kills the links a member sent when their grant is revoked, and leaves links the company's own administrator sent", async () => {
    const w = await world("Authority");
    const other = await createUser(t.deps, w.linked, { role: "user" });
    const linkedAdmin = await signIn(t, await createUser(t.deps, w.linked, { role: "administrator" }));
    expect((await w.memberBrowser.post(`/api/v1/users/${w.nativeUser.id}/password-reset`)).status).toBe(202);
    expect((await linkedAdmin.post(`/api/v1/users/${other.id}/password-reset`)).status).toBe(202);
    await w.adminBrowser.delete(`/api/v1/users/${w.member.id}/managed-companies/${w.linked.id}`);
    expect((await linksOf(t, w.nativeUser.id)).map((l) => l.revokedReason)).toEqual(["grant_revoked"]);
    expect((await linksOf(t, other.id)).map((l) => l.revokedAt)).toEqual([null]);
  });
});

describe("managed companies page", () => {
  let parent: SeedCompany;
  let admin: TestClient;
  let manager: TestClient;
  let names: string[];
  beforeAll(async () => {
    parent = await createCompany(t.deps, { name: "Big Agency" });
    await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 40, now: t.clock.now() });
    names = Array.from({ length: 30 }, (_, i) => `Client ${String(i).padStart(2, "0")}`);
    for (const name of names) await linkCompany(t.deps.db, { parentId: parent.id, childId: (await createCompany(t.deps, { name })).id, now: t.clock.now() });
    admin = await signIn(t, await createUser(t.deps, parent, { role: "administrator" }));
    const managerUser = await createUser(t.deps, parent, { role: "manager" });
    const [first] = await t.deps.db.select().from(companies).where(eq(companies.name, "Client 00"));
    await admin.put(`/api/v1/users/${managerUser.id}/managed-companies/${first?.id}`);
    manager = await signIn(t, managerUser);
  });

  it("pages through every linked company in name order, with search and the allowance", async () => {
    const first = await admin.get("/api/v1/managed-companies?limit=20");
    expect(first.body.total).toBe(30);
    // All thirty were linked by the operator: none counts against what the agency may create itself.
    expect(first.body.allowance).toEqual({ limit: 40, used: 0 });
    const second = await admin.get(`/api/v1/managed-companies?limit=20&after=${first.body.nextCursor}`);
    expect([...first.body.companies, ...second.body.companies].map((c: { name: string }) => c.name)).toEqual(names);
    expect(second.body.nextCursor).toBeNull();
    const search = await admin.get("/api/v1/managed-companies?q=client%202");
    expect(search.body.companies.map((c: { name: string }) => c.name)).toEqual(names.filter((n) => n.startsWith("Client 2")));
  });

  it("shows the switch only where the member may manage", async () => {
    const page = await manager.get("/api/v1/managed-companies?limit=100");
    const manageable = page.body.companies.filter((c: { canManage: boolean }) => c.canManage).map((c: { name: string }) => c.name);
    expect(manageable).toEqual(["Client 00"]);
    expect((await admin.get("/api/v1/managed-companies?limit=100")).body.companies.every((c: { canManage: boolean }) => c.canManage)).toBe(true);
  });

  it("shows each linked company's last sign-in, none before anyone signed in", async () => {
    const [client05] = await t.deps.db.select().from(companies).where(eq(companies.name, "Client 05"));
    if (!client05) throw new Error("no Client 05");
    const row = async () => ((await admin.get("/api/v1/managed-companies?limit=100")).body.companies as { name: string; lastLoginAt: string | null }[]).find((c) => c.name === "Client 05");
    expect((await row())?.lastLoginAt).toBeNull();
    const user = await createUser(t.deps, client05, { role: "user" });
    await signIn(t, user);
    const first = t.clock.now().toISOString();
    expect((await row())?.lastLoginAt).toBe(first);
    // To the minute (decision 0015): a sign-in 30 s later leaves the page as it was.
    t.clock.advance(30_000);
    await signIn(t, user);
    expect((await row())?.lastLoginAt).toBe(first);
  });

  it("downloads a CSV with id, name, parent, created at, users and last login", async () => {
    const csv = await admin.get("/api/v1/managed-companies/export.csv");
    expect(csv.status).toBe(200);
    expect(String(csv.headers["content-type"])).toContain("text/csv");
    const lines = String(csv.body).trim().split("\r\n");
    // Every cell quoted (issue 14: formula injection).
    expect(lines[0]).toBe('"id","name","parent","created_at","users","last_login_at"');
    expect(lines).toHaveLength(31);
    expect(lines[1]).toContain(',"Client 00","Big Agency",');
  });

  it("is refused to a company that is not a multi-company profile", async () => {
    const plain = await signIn(t, await createUser(t.deps, await createCompany(t.deps), { role: "administrator" }));
    const reply = await plain.get("/api/v1/managed-companies");
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("NOT_MULTI_COMPANY");
  });

  it("lets the parent's administrator create a linked company within the allowance, inviting its administrator", async () => {
    const small = await createCompany(t.deps, { name: "Small Agency" });
    await markMultiCompany(t.deps.db, { companyId: small.id, allowance: 1, now: t.clock.now() });
    const smallAdmin = await signIn(t, await createUser(t.deps, small, { role: "administrator" }));
    const smallManager = await signIn(t, await createUser(t.deps, small, { role: "manager" }));
    const body = { name: "New Client", adminName: "Nina New", adminEmail: "nina@new-client.test" };
    expect((await smallManager.post("/api/v1/managed-companies", body)).status).toBe(403);
    const created = await smallAdmin.post("/api/v1/managed-companies", body);
    expect(created.status).toBe(201);
    const [row] = await t.deps.db.select().from(companies).where(eq(companies.id, created.body.company.id));
    expect(row?.parentId).toBe(small.id);
    const invitation = await t.deps.db.select().from(emails).where(and(eq(emails.toAddress, "nina@new-client.test"), eq(emails.kind, "invitation")));
    expect(invitation).toHaveLength(1);
    const emailsBefore = await countEmails(t.deps);
    const over = await smallAdmin.post("/api/v1/managed-companies", { ...body, name: "One Too Many", adminEmail: "x@too-many.test" });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("LINKED_ALLOWANCE_EXHAUSTED");
    expect(await countEmails(t.deps)).toBe(emailsBefore);
  });

  it("counts against the allowance only the companies the parent created itself, as the CLI's help says: those the operator links do not", async () => {
    const agency = await createCompany(t.deps, { name: "Allowance Agency" });
    await markMultiCompany(t.deps.db, { companyId: agency.id, allowance: 1, now: t.clock.now() });
    for (const name of ["Operator Linked One", "Operator Linked Two"]) {
      const linked = await createCompany(t.deps, { name });
      expect(await linkCompany(t.deps.db, { parentId: agency.id, childId: linked.id, now: t.clock.now() })).toEqual({ ok: true });
    }
    const admin = await signIn(t, await createUser(t.deps, agency, { role: "administrator" }));
    expect((await admin.get("/api/v1/managed-companies")).body).toMatchObject({ total: 2, allowance: { limit: 1, used: 0 } });
    const body = { name: "Self Made Client", adminName: "Sam Self", adminEmail: "sam@self-made.test" };
    expect((await admin.post("/api/v1/managed-companies", body)).status).toBe(201);
    expect((await admin.get("/api/v1/managed-companies")).body).toMatchObject({ total: 3, allowance: { limit: 1, used: 1 } });
    const over = await admin.post("/api/v1/managed-companies", { ...body, name: "Self Made Two", adminEmail: "sam@self-made-two.test" });
    expect(over.body.error?.code).toBe("LINKED_ALLOWANCE_EXHAUSTED");
    // Un-linked by the operator, a company the parent created gives its slot back; linked again by the operator, it does not take one.
    const [made] = await t.deps.db.select().from(companies).where(eq(companies.name, "Self Made Client"));
    expect(made?.linkedBy).toBe("parent");
    expect((await unlinkCompany(t.deps.db, t.deps.jobs, { childId: made?.id ?? "", now: t.clock.now() })).ok).toBe(true);
    expect(await linkCompany(t.deps.db, { parentId: agency.id, childId: made?.id ?? "", now: t.clock.now() })).toEqual({ ok: true });
    expect((await admin.get("/api/v1/managed-companies")).body).toMatchObject({ total: 3, allowance: { limit: 1, used: 0 } });
  });
});

describe("team members with access (linked company profile)", () => {
  it("lists every team member of the parent and whether they have access", async () => {
    const w = await world("Access");
    const plainManager = await createUser(t.deps, w.parent, { role: "manager", name: "Access Zed Manager" });
    const nativeBrowser = await signIn(t, w.nativeUser);
    const reply = await nativeBrowser.get("/api/v1/company/team-members");
    expect(reply.status).toBe(200);
    const byId = new Map(reply.body.members.map((m: { id: string }) => [m.id, m]));
    expect(byId.get(w.admin.id)).toMatchObject({ hasAccess: true, via: "administrator" });
    expect(byId.get(w.member.id)).toMatchObject({ hasAccess: true, via: "grant" });
    expect(byId.get(plainManager.id)).toMatchObject({ hasAccess: false, via: null });
  });
});

describe("audit log viewer", () => {
  it("shows a parent's administrator the switch and the cross-company reset, filtered and as CSV", async () => {
    const w = await world("Audit");
    await w.memberBrowser.post(`/api/v1/users/${w.nativeUser.id}/password-reset`);
    const own = await w.adminBrowser.get("/api/v1/audit-events?action=password_reset.requested");
    // Only the parent's own company by default: the reset's target is the linked company, but the actor is ours.
    expect(own.body.events[0]).toMatchObject({ action: "password_reset.requested", actorCompany: w.parent.name, actingCompany: w.linked.name, targetCompany: w.linked.name });
    const linkedOnly = await w.adminBrowser.get(`/api/v1/audit-events?companyId=${w.linked.id}&action=company.`);
    expect(linkedOnly.body.events.map((e: { action: string }) => e.action)).toContain("company.switched_in");
    const byActor = await w.adminBrowser.get(`/api/v1/audit-events?includeLinked=true&actor=${encodeURIComponent(w.member.email)}`);
    expect(byActor.body.events.length).toBeGreaterThan(0);
    expect(byActor.body.events.every((e: { actor: { email: string } | null }) => e.actor?.email === w.member.email)).toBe(true);
    const csv = await w.adminBrowser.get("/api/v1/audit-events/export.csv?includeLinked=true");
    expect(String(csv.body).split("\r\n")[0]).toContain('"id","at","action","outcome","actor"');
  });

  it("names the right company for each side of a grant row: the member's own beside the member, the managed one in the details", async () => {
    const w = await world("GrantSides");
    const log = await w.adminBrowser.get("/api/v1/audit-events?action=grant.given");
    const [given] = log.body.events;
    expect(given).toMatchObject({
      actor: { name: w.admin.name },
      actorCompany: w.parent.name,
      target: { name: w.member.name },
      // The member works for the parent: the row must not file them under the company they may now manage.
      targetCompany: w.parent.name,
      details: expect.objectContaining({ companyName: w.linked.name }),
    });
    // The linked company's own log still shows the grant that concerns it.
    const linkedLog = await w.adminBrowser.get(`/api/v1/audit-events?companyId=${w.linked.id}&action=grant.given`);
    expect(linkedLog.body.events).toHaveLength(1);
  });

  it("is for administrators only, and another company's log is out of reach", async () => {
    const w = await world("AuditRefusal");
    const managerBrowser = await signIn(t, await createUser(t.deps, w.parent, { role: "manager" }));
    expect((await managerBrowser.get("/api/v1/audit-events")).status).toBe(403);
    const stranger = await createCompany(t.deps);
    expect((await w.adminBrowser.get(`/api/v1/audit-events?companyId=${stranger.id}`)).status).toBe(404);
    expect((await w.adminBrowser.get("/api/v1/audit-events?from=yesterday")).status).toBe(400);
  });
});

describe("bad input on the multi-company routes", () => {
  it("answers 400, never 500, for a tampered cursor, a bad id or unknown fields", async () => {
    const w = await world("BadInput");
    const tampered = Buffer.from(JSON.stringify(["a", "not-a-uuid"])).toString("base64url");
    for (const [method, url, body] of [
      ["GET", `/api/v1/managed-companies?after=${tampered}`, undefined],
      ["GET", "/api/v1/managed-companies?after=%%%", undefined],
      ["GET", "/api/v1/managed-companies?limit=1000", undefined],
      ["POST", "/api/v1/session/switch", { companyId: "42" }],
      ["POST", "/api/v1/session/switch", { companyId: w.linked.id, extra: true }],
      ["PUT", `/api/v1/users/not-a-uuid/managed-companies/${w.linked.id}`, undefined],
      ["GET", "/api/v1/audit-events?limit=0", undefined],
      ["POST", "/api/v1/managed-companies", { name: ["A"], adminName: "B", adminEmail: "b@b.test" }],
    ] as const) {
      const reply = method === "GET" ? await w.adminBrowser.get(url) : await w.adminBrowser.write(method, url, body, {});
      expect(reply.status, `${method} ${url}`).toBe(400);
      expect(reply.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});
