import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { bearerRequest, createMachineClient, machineToken, type MachineClient } from "../support/api-clients.ts";
import { createCompanyWithUsers } from "../support/factories.ts";
import { failOnServerErrors } from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;
let client: MachineClient;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
  client = await createMachineClient(t, seed.company.id, ["users:read", "users:write", "users:reset"]);
  token = await machineToken(t, client, ["users:read", "users:write", "users:reset"]);
});
afterAll(async () => {
  await t?.close();
});
failOnServerErrors(() => [t]);

describe("a machine client on the API", () => {
  it("lists its company's users with a bearer token", async () => {
    const reply = await bearerRequest(t, token, "GET", "/api/v1/users");
    expect(reply.status).toBe(200);
    expect(reply.body.users.map((u: { id: string }) => u.id).sort()).toEqual(Object.values(seed.users).map((u) => u.id).sort());
  });

  it("creates a user without a CSRF token, and the audit row names the client", async () => {
    const reply = await bearerRequest(t, token, "POST", "/api/v1/users", { name: "Ada Contract", email: `ada-${Date.now()}@example.test`, role: "user" });
    expect(reply.status).toBe(201);
    const rows = await queryRows<{ actor_user_id: string | null; actor_client_id: string | null; details: Record<string, unknown> }>(
      t.deps.db,
      sql`select actor_user_id, actor_client_id, details from audit_events where action = 'user.created' and target_user_id = ${reply.body.user.id}`,
    );
    expect(rows).toEqual([expect.objectContaining({ actor_user_id: null, actor_client_id: client.clientId })]);
    expect(rows[0]?.details.actorClientName).toBe("Billing sync");
  });
});
