import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { queryRows } from "../../src/db/client.ts";
import type { Deps } from "../../src/deps.ts";
import { bearerRequest, machineToken } from "../support/api-clients.ts";
import { createCompanyWithUsers } from "../support/factories.ts";
import { registerClient } from "../support/oidc.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

async function cli(deps: Deps, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { deps, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let t: TestApp;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;

beforeAll(async () => {
  t = await startTestApp({ worker: false, smtp: false });
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
});
afterAll(async () => {
  await t?.close();
});

describe("operator CLI for API clients", () => {
  it("create-api-client --json prints credentials that get a token and call the API; list, rotate and delete follow, each audited", async () => {
    const created = await cli(t.deps, "create-api-client", "--company", seed.company.id, "--name", "Billing sync", "--scope", "users:read", "--scope", "users:reset", "--json");
    expect(created.code, created.err).toBe(0);
    const credentials = JSON.parse(created.out);
    expect(credentials).toMatchObject({ tokenEndpoint: `${t.config.publicUrl}/oidc/token`, audience: `${t.config.publicUrl}/api/v1`, scopes: ["users:read", "users:reset"] });
    const token = await machineToken(t, credentials, ["users:read"]);
    expect((await bearerRequest(t, token, "GET", "/api/v1/users")).status).toBe(200);

    const listed = await cli(t.deps, "list-api-clients", "--company", seed.company.id);
    expect(listed.out).toContain("Billing sync");
    expect(listed.out).toContain("operator");
    expect(listed.out).not.toContain(credentials.clientSecret);
    const json = JSON.parse((await cli(t.deps, "list-api-clients", "--company", seed.company.id, "--json")).out);
    expect(json).toEqual([expect.objectContaining({ id: credentials.clientId, name: "Billing sync", createdBy: { kind: "operator" } })]);

    const rotated = await cli(t.deps, "rotate-api-client-secret", "--company", seed.company.id, "--id", credentials.clientId, "--json");
    expect(rotated.code).toBe(0);
    expect((await bearerRequest(t, token, "GET", "/api/v1/users")).status).toBe(401);

    const deleted = await cli(t.deps, "delete-api-client", "--company", seed.company.id, "--id", credentials.clientId);
    expect(deleted.code).toBe(0);
    const audited = await queryRows<{ action: string; via: string }>(t.deps.db, sql`
      select action, details->>'via' as via from audit_events where details->>'clientId' = ${credentials.clientId} and action like 'api_client.%' order by id`);
    expect(audited).toEqual([
      { action: "api_client.created", via: "cli" },
      { action: "api_client.secret_rotated", via: "cli" },
      { action: "api_client.deleted", via: "cli" },
    ]);
  });

  it("refuses unknown scopes, other companies' clients and missing options, with one line and exit code 1", async () => {
    const other = await createCompanyWithUsers(t.deps, { name: "Contoso" });
    const theirs = JSON.parse((await cli(t.deps, "create-api-client", "--company", other.company.id, "--name", "Theirs", "--scope", "users:read", "--json")).out);
    for (const argv of [
      ["create-api-client", "--company", seed.company.id, "--name", "X", "--scope", "operator"],
      ["create-api-client", "--company", seed.company.id, "--name", "X"],
      ["create-api-client", "--company", "00000000-0000-4000-8000-000000000000", "--name", "X", "--scope", "users:read"],
      ["rotate-api-client-secret", "--company", seed.company.id, "--id", theirs.clientId],
      ["delete-api-client", "--company", seed.company.id, "--id", theirs.clientId],
      ["delete-api-client", "--company", seed.company.id, "--id", "not-an-id"],
    ]) {
      const run = await cli(t.deps, ...argv);
      expect(run.code, argv.join(" ")).toBe(1);
      expect(run.err, argv.join(" ")).not.toBe("");
    }
    expect((await cli(t.deps, "list-api-clients", "--company", other.company.id, "--json")).out).toContain(theirs.clientId);
  });

  it("the application commands leave API clients alone, and list-clients does not show them", async () => {
    const mine = JSON.parse((await cli(t.deps, "create-api-client", "--company", seed.company.id, "--name", "Kept", "--scope", "users:read", "--json")).out);
    await registerClient(t, { name: "Platform app" });
    expect((await cli(t.deps, "list-clients")).out).not.toContain(mine.clientId);
    expect((await cli(t.deps, "delete-client", "--id", mine.clientId)).code).toBe(1);
    expect((await cli(t.deps, "rotate-client-secret", "--id", mine.clientId)).code).toBe(1);
    expect(JSON.parse((await cli(t.deps, "list-api-clients", "--company", seed.company.id, "--json")).out).map((c: { id: string }) => c.id)).toContain(mine.clientId);
  });
});
