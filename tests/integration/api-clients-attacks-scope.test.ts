import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { API_SCOPE_NAMES, scopesAllow, type ApiScope } from "../../src/features/access/api-scopes.ts";
import { bearerRequest, createMachineClient, machineToken, type MachineClient } from "../support/api-clients.ts";
import { CLIENT_ROUTES, PERSON_ONLY_ROUTES, type ApiRoute, type RouteIds } from "../support/api-routes.ts";
import { createCompany, createCompanyWithUsers, createUser, snapshotCompany, signIn, type SeedUser } from "../support/factories.ts";
import { failOnServerErrors } from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;

interface Side {
  companyId: string;
  ids: RouteIds;
  admin: SeedUser;
  /** A token with every scope. */
  allScopes: string;
}
let a: Side;
let b: Side;
/** Company A's tokens holding one scope each. */
const single = new Map<ApiScope, string>();

/** A company with users, a linked company, a reset link and an API client: every id a route can name. */
async function side(name: string): Promise<Side> {
  const seed = await createCompanyWithUsers(t.deps, { name });
  await t.deps.db.execute(sql`update companies set is_multi_company = true where id = ${seed.company.id}`);
  const linked = await createCompany(t.deps, { name: `${name} Retail`, parentId: seed.company.id });
  const all: MachineClient = await createMachineClient(t, seed.company.id, API_SCOPE_NAMES, `${name} everything`);
  const allScopes = await machineToken(t, all, API_SCOPE_NAMES);
  const target = seed.users.manager;
  const reset = await bearerRequest(t, allScopes, "POST", `/api/v1/users/${target.id}/password-reset`);
  expect(reset.status, JSON.stringify(reset.body)).toBe(202);
  return {
    companyId: seed.company.id,
    admin: seed.users.administrator,
    allScopes,
    ids: { userId: target.id, resetId: reset.body.reset.id, linkedCompanyId: linked.id, apiClientId: all.clientId },
  };
}

async function call(token: string, route: ApiRoute, ids: RouteIds, headers: Record<string, string> = {}) {
  return bearerRequest(t, token, route.method, route.path(ids), route.body?.(ids), headers);
}

/** Everything of a company an attack could change, including its grants, API clients and audit log. */
async function everything(companyId: string) {
  const [extra] = await queryRows<Record<string, unknown>>(t.deps.db, sql`
    select (select json_agg(g order by g.id) from management_grants g join users u on u.id = g.team_member_id where u.company_id = ${companyId}) as grants,
           (select json_agg(json_build_array(k.id, k.name, k.secret_hash, k.secret_version, k.scopes) order by k.id) from oidc_clients k where k.company_id = ${companyId}) as clients,
           (select count(*)::int from companies where parent_id = ${companyId} and deleted_at is null) as linked`);
  return { ...(await snapshotCompany(t.deps, companyId)), extra };
}

beforeAll(async () => {
  t = await startTestApp();
  a = await side("Northwind");
  b = await side("Contoso");
  for (const scope of API_SCOPE_NAMES) {
    const client = await createMachineClient(t, a.companyId, [scope], `Only ${scope}`);
    single.set(scope, await machineToken(t, client, [scope]));
  }
});
afterAll(async () => {
  await t?.close();
});
failOnServerErrors(() => [t]);

describe("company A's token on company B's ids", () => {
  it("answers 404 on every route with ids, and changes nothing of B", async () => {
    const before = await everything(b.companyId);
    for (const route of CLIENT_ROUTES.filter((r) => r.hasIds)) {
      // B's ids, and A's token holding every scope: each id of B in turn, the others A's own (so only the foreign id can refuse).
      for (const key of Object.keys(b.ids) as Array<keyof RouteIds>) {
        if (!route.path(b.ids).includes(b.ids[key])) continue;
        const ids = { ...a.ids, [key]: b.ids[key] };
        const reply = await call(a.allScopes, route, ids);
        const expected = route.permission === null ? [403, 404] : [404];
        expect(expected, `${route.name} with B's ${key}: ${reply.status} ${JSON.stringify(reply.body)}`).toContain(reply.status);
      }
    }
    expect(await everything(b.companyId)).toEqual(before);
  });

  it("acting on many users, B's user among them, gets NOT_FOUND for that one, and B's user is unchanged", async () => {
    const before = await everything(b.companyId);
    const reply = await bearerRequest(t, a.allScopes, "POST", "/api/v1/users/bulk", { action: "deactivate", ids: [b.ids.userId] });
    expect(reply.status).toBe(200);
    expect(reply.body.results).toEqual([{ id: b.ids.userId, ok: false, error: expect.objectContaining({ code: "NOT_FOUND" }) }]);
    expect(await everything(b.companyId)).toEqual(before);
  });

  it("cannot name company B as the company it acts in (404), nor a made-up or malformed one", async () => {
    const before = await everything(b.companyId);
    for (const company of [b.companyId, "00000000-0000-4000-8000-000000000000"]) {
      for (const route of CLIENT_ROUTES.filter((r) => r.permission !== null)) {
        const reply = await call(a.allScopes, route, b.ids, { "latchkey-company": company });
        expect(reply.status, `${route.name} in ${company}`).toBe(404);
      }
    }
    const malformed = await bearerRequest(t, a.allScopes, "GET", "/api/v1/users", undefined, { "latchkey-company": "'; drop table users; --" });
    expect(malformed.status).toBe(400);
    expect(await everything(b.companyId)).toEqual(before);
  });
});

describe("a token whose scopes lack the permission", () => {
  it("is refused with 403 on every route, by every scope that does not hold its permission, and nothing changes", async () => {
    const before = await everything(a.companyId);
    let refusals = 0;
    for (const route of CLIENT_ROUTES) {
      for (const scope of API_SCOPE_NAMES) {
        if (route.permission !== null && scopesAllow([scope], route.permission)) continue;
        const reply = await call(single.get(scope) ?? "", route, a.ids);
        expect(reply.status, `${route.name} with ${scope}: ${JSON.stringify(reply.body)}`).toBe(403);
        expect(reply.body.error.code).toBe("FORBIDDEN");
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(CLIENT_ROUTES.length);
    const after = await everything(a.companyId);
    expect(after).toEqual(before);
  });

  it("a person-only route tells a client it needs a signed-in person (403 SESSION_REQUIRED)", async () => {
    for (const route of PERSON_ONLY_ROUTES) {
      const reply = await bearerRequest(t, a.allScopes, route.method, route.path, route.body?.());
      expect(reply.status, route.name).toBe(403);
      expect(reply.body.error.code, route.name).toBe("SESSION_REQUIRED");
    }
  });

  it("the scope that holds the permission passes (the refusals above are the scopes', not the routes')", async () => {
    for (const route of CLIENT_ROUTES.filter((r) => r.permission !== null)) {
      const scope = API_SCOPE_NAMES.find((s) => route.permission !== null && scopesAllow([s], route.permission));
      expect(scope, route.name).toBeDefined();
      // A fresh target each time (the routes change their user), but the reset's own user for its revocation.
      const target = route.path(a.ids).includes(a.ids.resetId) ? a.ids.userId : (await createUser(t.deps, { id: a.companyId, name: "Northwind" }, { role: "manager" })).id;
      const reply = await call(single.get(scope as ApiScope) ?? "", route, { ...a.ids, userId: target });
      expect([200, 201, 202, 204, 409], `${route.name} with ${scope}: ${reply.status} ${JSON.stringify(reply.body)}`).toContain(reply.status);
    }
  });
});

describe("never more than an administrator", () => {
  it("cannot make an administrator, nor edit, demote, deactivate an administrator (the operator's job), and nothing changes", async () => {
    const before = await everything(a.companyId);
    const admin = a.admin.id;
    const attempts = [
      ["POST", "/api/v1/users", { name: "Made Admin", email: `made-admin-${Date.now()}@example.test`, role: "administrator" }, "ROLE_NOT_ALLOWED"],
      ["PUT", `/api/v1/users/${a.ids.userId}/role`, { role: "administrator" }, "ROLE_NOT_ALLOWED"],
      ["PATCH", `/api/v1/users/${admin}`, { name: "Renamed Admin" }, "FORBIDDEN"],
      ["PUT", `/api/v1/users/${admin}/role`, { role: "user" }, "FORBIDDEN"],
      ["POST", `/api/v1/users/${admin}/deactivate`, undefined, "FORBIDDEN"],
    ] as const;
    for (const [method, path, body, code] of attempts) {
      const reply = await bearerRequest(t, a.allScopes, method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body.error.code, `${method} ${path}`).toBe(code);
    }
    expect(await everything(a.companyId)).toEqual(before);
  });
});

describe("an administrator of company A, signed in", () => {
  it("gets 404 for company B's API clients, and B's clients are unchanged", async () => {
    const before = await everything(b.companyId);
    const browser = await signIn(t, a.admin);
    expect((await browser.post(`/api/v1/api-clients/${b.ids.apiClientId}/secret`)).status).toBe(404);
    expect((await browser.delete(`/api/v1/api-clients/${b.ids.apiClientId}`)).status).toBe(404);
    expect(await everything(b.companyId)).toEqual(before);
  });
});
