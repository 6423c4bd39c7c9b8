import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, managementGrants } from "../../src/db/schema.ts";
import { ROLES } from "../../src/features/access/roles.ts";
import { createCompany, createCompanyWithUsers, createUser, signIn } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/**
 * GET /auth/me tells the dashboard what the actor may do, so the dashboard keeps no copy of the
 * roles table. Each capability is checked here against the request it stands for: a capability the
 * dashboard shows is a request that passes, and one it hides is a request that is refused.
 */
describe("the capabilities in /auth/me are the requests that pass", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(ROLES)("as %s of a multi-company profile", async (role) => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    await t.deps.db.update(companies).set({ isMultiCompany: true, linkedAllowance: 5 }).where(eq(companies.id, company.id));
    const browser = await signIn(t, users[role]);
    const me = await browser.get("/api/v1/auth/me");
    expect(me.status).toBe(200);
    const { capabilities } = me.body;

    expect(capabilities.viewAuditLog).toBe((await browser.get("/api/v1/audit-events")).status === 200);

    const created: string[] = [];
    for (const newRole of ROLES) {
      const reply = await browser.post("/api/v1/users", { name: `New ${newRole}`, email: `new.${newRole}.${role}@example.test`, role: newRole });
      expect([201, 403], `${role} creating a ${newRole}`).toContain(reply.status);
      if (reply.status === 201) created.push(newRole);
    }
    expect(capabilities.creatableRoles).toEqual(created);
    expect(capabilities.createUsers).toBe(created.length > 0);

    const linked = await browser.post("/api/v1/managed-companies", { name: `Linked of ${role}`, adminName: "Linked Admin", adminEmail: `linked.${role}@example.test` });
    expect([201, 403], `${role} creating a linked company`).toContain(linked.status);
    expect(capabilities.createLinkedCompanies).toBe(linked.status === 201);

    // Grants: the actor gives one, for a linked company it manages, to another manager of its company.
    const managed = await createCompany(t.deps, { parentId: company.id });
    if (role === "manager") await t.deps.db.insert(managementGrants).values({ teamMemberId: users.manager.id, companyId: managed.id });
    const colleague = await createUser(t.deps, company, { role: "manager" });
    const given = await browser.put(`/api/v1/users/${colleague.id}/managed-companies/${managed.id}`);
    expect(capabilities.manageGrants, `giving a grant: ${given.status}`).toBe(given.status === 200);

    // API clients: the button shows exactly when creating one is allowed.
    const apiClient = await browser.post("/api/v1/api-clients", { name: `Sync of ${role}`, scopes: ["users:read"] });
    expect([201, 403], `${role} creating an API client`).toContain(apiClient.status);
    expect(capabilities.manageApiClients).toBe(apiClient.status === 201);

    // And a grant can go (from the parent's administrator) exactly to the roles that may hold one.
    const parentAdmin = role === "administrator" ? browser : await signIn(t, users.administrator);
    for (const holder of ROLES) {
      const member = await createUser(t.deps, company, { role: holder });
      const reply = await parentAdmin.put(`/api/v1/users/${member.id}/managed-companies/${managed.id}`);
      expect(capabilities.grantHolderRoles.includes(holder), `a grant to a ${holder}: ${reply.status}`).toBe(reply.status === 200);
    }
  });
});
