import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { bearerRequest, createMachineClient, machineToken, type MachineClient } from "../support/api-clients.ts";
import { createCompany, createCompanyWithUsers, createUser, signIn } from "../support/factories.ts";
import { failOnServerErrors } from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;
let retail: { id: string; name: string };
let client: MachineClient;
let token: string;

const ALL = ["users:read", "users:write", "users:reset", "audit:read"] as const;

beforeAll(async () => {
  t = await startTestApp();
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
  await t.deps.db.execute(sql`update companies set is_multi_company = true where id = ${seed.company.id}`);
  retail = await createCompany(t.deps, { name: "Northwind Retail", parentId: seed.company.id });
  client = await createMachineClient(t, seed.company.id, ALL);
  token = await machineToken(t, client, ALL);
});
afterAll(async () => {
  await t?.close();
});
failOnServerErrors(() => [t]);

const uniqueEmail = (label: string) => `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;

describe("a machine client on the API", () => {
  it("lists its company's users with a bearer token, as the same use case a person's list is", async () => {
    const reply = await bearerRequest(t, token, "GET", "/api/v1/users");
    expect(reply.status).toBe(200);
    expect(reply.body.users.map((u: { id: string }) => u.id).sort()).toEqual(Object.values(seed.users).map((u) => u.id).sort());
    const company = await bearerRequest(t, token, "GET", "/api/v1/company");
    expect(company.body.company.name).toBe("Northwind");
  });

  it("creates a user without a CSRF token; the invitation says it came through the integration; the audit row names the client, never as a user", async () => {
    const email = uniqueEmail("ada");
    const reply = await bearerRequest(t, token, "POST", "/api/v1/users", { name: "Ada Contract", email, role: "user" });
    expect(reply.status).toBe(201);
    const message = await t.smtp.waitFor({ to: email });
    expect(message.text).toContain("Northwind's integration Billing sync");
    expect(message.text).toContain("Northwind");
    const rows = await queryRows<{ actor_user_id: string | null; actor_client_id: string | null; actor_company_id: string; details: Record<string, unknown> }>(
      t.deps.db,
      sql`select actor_user_id, actor_client_id, actor_company_id, details from audit_events where action = 'user.created' and target_user_id = ${reply.body.user.id}`,
    );
    expect(rows).toEqual([expect.objectContaining({ actor_user_id: null, actor_client_id: client.clientId, actor_company_id: seed.company.id })]);
  });

  it("triggers a reset: the email says it was requested through Northwind's integration, never the link in the answer; the history names the client", async () => {
    const target = await createUser(t.deps, seed.company, { role: "user", email: uniqueEmail("reset") });
    const reply = await bearerRequest(t, token, "POST", `/api/v1/users/${target.id}/password-reset`);
    expect(reply.status).toBe(202);
    expect(JSON.stringify(reply.body)).not.toMatch(/reset-password/);
    const message = await t.smtp.waitFor({ to: target.email });
    expect(message.text).toContain("requested through Northwind's integration Billing sync");
    expect(message.subject).toBe("Northwind asked to reset your Latchkey password");
    const history = await bearerRequest(t, token, "GET", `/api/v1/users/${target.id}/password-resets`);
    expect(history.body.resets[0].requestedBy).toEqual({ kind: "integration", name: "Billing sync", role: "administrator", companyName: "Northwind" });
  });

  it("shows in the audit log as \"API client Billing sync of Northwind\", to the administrators and to a client that reads it", async () => {
    const admin = await signIn(t, seed.users.administrator);
    for (const events of [(await admin.get("/api/v1/audit-events?action=user.created")).body.events, (await bearerRequest(t, token, "GET", "/api/v1/audit-events?action=user.created")).body.events]) {
      const event = events.find((e: { actorClient: unknown }) => e.actorClient !== null);
      expect(event.actorClient).toEqual({ id: client.clientId, name: "Billing sync", label: "API client Billing sync of Northwind" });
      expect(event.actor).toBeNull();
    }
    const byName = (await admin.get("/api/v1/audit-events?actor=billing%20s")).body.events as Array<{ actorClient: { id: string } | null }>;
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.every((e) => e.actorClient?.id === client.clientId)).toBe(true);
    const csv = await admin.get("/api/v1/audit-events/export.csv?action=user.created");
    expect(String(csv.body)).toContain("API client Billing sync of Northwind");
  });

  it("its token issuance is in the audit log, as the client's", async () => {
    const [row] = await queryRows<{ actor_client_id: string; actor_company_id: string }>(
      t.deps.db,
      sql`select actor_client_id, actor_company_id from audit_events where action = 'oidc.token_issued' and actor_client_id = ${client.clientId} limit 1`,
    );
    expect(row).toEqual({ actor_client_id: client.clientId, actor_company_id: seed.company.id });
  });

  it("marks itself used at most once a minute", async () => {
    const usedAt = async () => (await queryRows<{ at: Date | string | null }>(t.deps.db, sql`select last_used_at as at from oidc_clients where id = ${client.clientId}`))[0]?.at;
    await bearerRequest(t, token, "GET", "/api/v1/users");
    const first = new Date(String(await usedAt())).getTime();
    expect(first).toBe(t.clock.now().getTime());
    t.clock.advance(30_000);
    await bearerRequest(t, token, "GET", "/api/v1/users");
    expect(new Date(String(await usedAt())).getTime()).toBe(first);
    t.clock.advance(31_000);
    await bearerRequest(t, token, "GET", "/api/v1/users");
    expect(new Date(String(await usedAt())).getTime()).toBe(first + 61_000);
  });
});

describe("a client of a multi-company profile in a linked company (decision 0030)", () => {
  const inRetail = { "latchkey-company": "" };
  beforeAll(() => {
    inRetail["latchkey-company"] = retail.id;
  });

  it("acts there when it names it: lists, creates and resets, the email naming both companies", async () => {
    const member = await createUser(t.deps, retail, { role: "user", email: uniqueEmail("retail") });
    const list = await bearerRequest(t, token, "GET", "/api/v1/users", undefined, inRetail);
    expect(list.status).toBe(200);
    expect(list.body.users.map((u: { id: string }) => u.id)).toEqual([member.id]);
    const created = await bearerRequest(t, token, "POST", "/api/v1/users", { name: "Retail Hire", email: uniqueEmail("hire"), role: "user" }, inRetail);
    expect(created.status).toBe(201);
    expect(created.body.user.company.id).toBe(retail.id);
    expect((await bearerRequest(t, token, "POST", `/api/v1/users/${member.id}/password-reset`, undefined, inRetail)).status).toBe(202);
    const message = await t.smtp.waitFor({ to: member.email });
    expect(message.text).toContain("requested through Northwind's integration Billing sync, on behalf of Northwind Retail");
    // Without the header, the linked company's users are out of scope.
    expect((await bearerRequest(t, token, "GET", `/api/v1/users/${member.id}`)).status).toBe(404);
  });

  it("is refused (404) as soon as an administrator of the parent would be: parent no longer multi-company, linked company deleted", async () => {
    await t.deps.db.execute(sql`update companies set is_multi_company = false where id = ${seed.company.id}`);
    expect((await bearerRequest(t, token, "GET", "/api/v1/users", undefined, inRetail)).status).toBe(404);
    await t.deps.db.execute(sql`update companies set is_multi_company = true where id = ${seed.company.id}`);
    expect((await bearerRequest(t, token, "GET", "/api/v1/users", undefined, inRetail)).status).toBe(200);
    const gone = await createCompany(t.deps, { name: "Northwind Gone", parentId: seed.company.id });
    await t.deps.db.execute(sql`update companies set deleted_at = now() where id = ${gone.id}`);
    expect((await bearerRequest(t, token, "GET", "/api/v1/users", undefined, { "latchkey-company": gone.id })).status).toBe(404);
  });

  it("a linked company's own client cannot name its parent, nor a sibling", async () => {
    const sibling = await createCompany(t.deps, { name: "Northwind Online", parentId: seed.company.id });
    const own = await createMachineClient(t, retail.id, ["users:read"], "Retail sync");
    const retailToken = await machineToken(t, own, ["users:read"]);
    for (const company of [seed.company.id, sibling.id]) {
      expect((await bearerRequest(t, retailToken, "GET", "/api/v1/users", undefined, { "latchkey-company": company })).status).toBe(404);
    }
    expect((await bearerRequest(t, retailToken, "GET", "/api/v1/users", undefined, { "latchkey-company": retail.id })).status).toBe(200);
  });
});

describe("rate limits count per client", () => {
  it("a client over its reset limit gets 429; another client of the company and its administrator still may", async () => {
    const other = await createMachineClient(t, seed.company.id, ["users:reset"], "Support tool");
    const otherToken = await machineToken(t, other, ["users:reset"]);
    await t.deps.db.execute(sql`insert into rate_limits (key, window_start, count) values (${`reset:trigger:actor:client:${client.clientId}`}, ${t.clock.now()}, 60)
      on conflict (key) do update set window_start = excluded.window_start, count = excluded.count`);
    const target = await createUser(t.deps, seed.company, { role: "user" });
    const limited = await bearerRequest(t, token, "POST", `/api/v1/users/${target.id}/password-reset`);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
    expect((await bearerRequest(t, otherToken, "POST", `/api/v1/users/${target.id}/password-reset`)).status).toBe(202);
    const admin = await signIn(t, seed.users.administrator);
    expect((await admin.post(`/api/v1/users/${target.id}/password-reset`)).status).toBe(202);
  });
});

describe("managing API clients", () => {
  it("an administrator creates one (secret once), lists, rotates and deletes it; each is audited; a manager may not", async () => {
    const admin = await signIn(t, seed.users.administrator);
    const created = await admin.post("/api/v1/api-clients", { name: "CRM import", scopes: ["users:write", "users:read", "users:read"] });
    expect(created.status).toBe(201);
    expect(created.body.client).toMatchObject({ name: "CRM import", scopes: ["users:read", "users:write"], lastUsedAt: null, createdBy: { kind: "user", name: seed.users.administrator.name } });
    expect(created.body.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body.audience).toBe(`${t.config.publicUrl}/api/v1`);
    const listed = await admin.get("/api/v1/api-clients");
    expect(JSON.stringify(listed.body)).not.toContain(created.body.clientSecret);
    expect(listed.body.clients.map((c: { id: string }) => c.id)).toContain(created.body.client.id);
    expect(listed.body.scopes.map((s: { name: string }) => s.name)).toEqual(["users:read", "users:write", "users:reset", "users:second-factor", "audit:read", "grants:manage"]);
    const rotated = await admin.post(`/api/v1/api-clients/${created.body.client.id}/secret`);
    expect(rotated.body.clientSecret).not.toBe(created.body.clientSecret);
    expect((await admin.delete(`/api/v1/api-clients/${created.body.client.id}`)).status).toBe(200);
    expect((await admin.delete(`/api/v1/api-clients/${created.body.client.id}`)).status).toBe(404);
    const audited = await queryRows<{ action: string }>(t.deps.db, sql`select action from audit_events where details->>'clientId' = ${created.body.client.id} and action like 'api_client.%' order by id`);
    expect(audited.map((r) => r.action)).toEqual(["api_client.created", "api_client.secret_rotated", "api_client.deleted"]);
    const manager = await signIn(t, seed.users.manager);
    expect((await manager.get("/api/v1/api-clients")).status).toBe(403);
    expect((await manager.post("/api/v1/api-clients", { name: "Sneaky", scopes: ["users:read"] })).status).toBe(403);
  });

  it("refuses bad names and scopes with 400, never a 500", async () => {
    const admin = await signIn(t, seed.users.administrator);
    for (const body of [
      { name: "", scopes: ["users:read"] },
      { name: "   ", scopes: ["users:read"] },
      { name: "Bad\u202Ename", scopes: ["users:read"] },
      { name: "x".repeat(101), scopes: ["users:read"] },
      { name: "No scopes", scopes: [] },
      { name: "Operator power", scopes: ["operator"] },
      { name: "Clients", scopes: ["api_clients:manage"] },
      { name: "Nul", scopes: ["users:read\u0000"] },
      { name: ["array"], scopes: ["users:read"] },
      { name: "Extra", scopes: ["users:read"], secret: "mine" },
    ]) {
      const reply = await admin.post("/api/v1/api-clients", body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
  });
});
