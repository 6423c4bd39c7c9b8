import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies } from "../../src/db/schema.ts";
import { bearerRequest, createMachineClient, machineToken } from "../support/api-clients.ts";
import { createCompany, createCompanyWithUsers, createUser, signIn } from "../support/factories.ts";
import { auditRowsOf, linkedCompanyWithGrantedManager } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const POLICY = "/api/v1/company/second-factor-policy";
const on = { required: true, graceDays: 14, passkeySignInAllowed: true, applyToLinked: false };
const off = { required: false, graceDays: 7, passkeySignInAllowed: false, applyToLinked: false };

describe("the company's second-factor policy", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const columns = async (companyId: string) => (await t.deps.db.select().from(companies).where(eq(companies.id, companyId)))[0];

  it("lets an administrator require a second factor with a grace period: the time is kept while on, cleared when off, each change audited", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps, { name: "Acme" });
    const admin = await signIn(t, u.administrator);
    const turnedOnAt = t.clock.now();
    const first = await admin.put(POLICY, on);
    expect(first.status).toBe(200);
    expect(first.body.company.secondFactorPolicy).toEqual({ required: true, requiredSince: turnedOnAt.toISOString(), graceDays: 14, passkeySignInAllowed: true, applyToLinked: false });
    expect(await columns(company.id)).toMatchObject({ secondFactorRequiredAt: turnedOnAt, secondFactorGraceDays: 14, passkeySignInAllowed: true });

    // Saved again later with another grace period: "required since" stays, so the grace period does not restart.
    t.clock.advance(3_600_000);
    const again = await admin.put(POLICY, { ...on, graceDays: 30 });
    expect(again.body.company.secondFactorPolicy).toMatchObject({ requiredSince: turnedOnAt.toISOString(), graceDays: 30 });
    // Nothing changed: no audit row.
    expect((await admin.put(POLICY, { ...on, graceDays: 30 })).status).toBe(200);

    const turnedOff = await admin.put(POLICY, off);
    expect(turnedOff.body.company.secondFactorPolicy).toMatchObject({ required: false, requiredSince: null });
    expect((await columns(company.id))?.secondFactorRequiredAt).toBeNull();
    expect((await admin.get("/api/v1/company")).body.company.secondFactorPolicy).toMatchObject({ required: false, graceDays: 7 });

    const rows = (await auditRowsOf(t, "company.second_factor_policy_changed")).filter((row) => row.targetCompanyId === company.id);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ actorUserId: u.administrator.id, actorCompanyId: company.id });
    expect(rows[0]?.details).toEqual({
      before: { required: false, graceDays: 7, passkeySignInAllowed: false, applyToLinked: false },
      after: { required: true, graceDays: 14, passkeySignInAllowed: true, applyToLinked: false },
    });
    expect(rows[2]?.details).toMatchObject({ after: { required: false } });
  });

  it("refuses a manager, a user and a read-only user with 403, and changes nothing", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    for (const role of ["manager", "user", "read_only"] as const) {
      const reply = await (await signIn(t, u[role])).put(POLICY, on);
      expect([reply.status, reply.body.error.code], role).toEqual([403, "FORBIDDEN"]);
    }
    expect((await columns(company.id))?.secondFactorRequiredAt).toBeNull();
    expect((await auditRowsOf(t, "company.second_factor_policy_changed")).filter((row) => row.targetCompanyId === company.id)).toEqual([]);
  });

  it("refuses bad input with 400 and changes nothing", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, u.administrator);
    for (const body of [
      { ...on, graceDays: 91 },
      { ...on, graceDays: -1 },
      { ...on, graceDays: 1.5 },
      { ...on, graceDays: "7" },
      { ...on, required: "yes" },
      { required: true },
      { ...on, extra: 1 },
      [on],
    ]) {
      const reply = await admin.put(POLICY, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin.put(POLICY, { ...on, graceDays: 0 })).status).toBe(200);
    expect((await admin.put(POLICY, { ...on, graceDays: 90 })).status).toBe(200);
    expect((await columns(company.id))?.secondFactorGraceDays).toBe(90);
  });

  it("applies a parent's policy to its linked companies only for a multi-company profile; the linked company sees it", async () => {
    const single = await createCompanyWithUsers(t.deps);
    const refused = await (await signIn(t, single.users.administrator)).put(POLICY, { ...on, applyToLinked: true });
    expect([refused.status, refused.body.error.code]).toEqual([409, "POLICY_FOR_LINKED_NOT_MULTI_COMPANY"]);

    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Group", linked: "Branch" });
    const parentAdmin = await signIn(t, await createUser(t.deps, setup.parent, { role: "administrator" }));
    const applied = await parentAdmin.put(POLICY, { ...on, applyToLinked: true });
    expect(applied.status).toBe(200);
    expect(applied.body.company.secondFactorPolicy.applyToLinked).toBe(true);
    expect((await columns(setup.parent.id))?.secondFactorPolicyForLinked).toBe(true);

    const linkedAdmin = await signIn(t, await createUser(t.deps, setup.linked, { role: "administrator" }));
    const seen = (await linkedAdmin.get("/api/v1/company")).body.company;
    expect(seen.secondFactorPolicy.required).toBe(false);
    expect(seen.parentSecondFactorPolicy).toMatchObject({ companyId: setup.parent.id, companyName: "Group", required: true, graceDays: 14, passkeySignInAllowed: true });
    // A linked company has no linked companies: it cannot apply its own policy further.
    const nested = await linkedAdmin.put(POLICY, { ...on, applyToLinked: true });
    expect(nested.status).toBe(409);

    expect((await parentAdmin.put(POLICY, { ...on, applyToLinked: false })).status).toBe(200);
    expect((await linkedAdmin.get("/api/v1/company")).body.company.parentSecondFactorPolicy).toBeNull();
  });

  it("is the acting company's: a manager switched into a linked company is refused, another company's is untouched", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency", linked: "Client" });
    const reply = await setup.memberBrowser.put(POLICY, on);
    expect(reply.status).toBe(403);
    expect((await columns(setup.linked.id))?.secondFactorRequiredAt).toBeNull();
    const other = await createCompany(t.deps, { name: "Untouched" });
    const admin = await signIn(t, await createUser(t.deps, setup.parent, { role: "administrator" }));
    expect((await admin.put(POLICY, on)).status).toBe(200);
    expect((await columns(other.id))?.secondFactorRequiredAt).toBeNull();
    expect((await columns(setup.linked.id))?.secondFactorRequiredAt).toBeNull();
  });

  it("is no API client's to set, whatever its scopes, and asks for a session", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const client = await createMachineClient(t, company.id, ["users:read", "users:write", "users:reset", "users:second-factor"], "Everything");
    const token = await machineToken(t, client, ["users:read", "users:write", "users:reset", "users:second-factor"]);
    const reply = await bearerRequest(t, token, "PUT", POLICY, on);
    expect(reply.status).toBe(403);
    expect((await columns(company.id))?.secondFactorRequiredAt).toBeNull();
    expect((await t.client().put(POLICY, on)).status).toBe(401);
  });
});
