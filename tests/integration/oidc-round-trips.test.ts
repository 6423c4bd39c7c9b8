import { sql } from "drizzle-orm";
import * as oidc from "openid-client";
import { queryRows } from "../../src/db/client.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompanyWithUsers, FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { authorizationRequest, exchange, registerClient, signInThroughBrowser, type RegisteredClient } from "../support/oidc.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let client: RegisteredClient;
let other: RegisteredClient;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;

beforeAll(async () => {
  t = await startTestApp();
  client = await registerClient(t);
  other = await registerClient(t, { name: "Another app" });
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
});
afterAll(() => t.close());

async function appSession(user: SeedUser, app = client) {
  const authorization = await authorizationRequest(app);
  const { callback } = await signInThroughBrowser(t.client(), authorization, { email: user.email });
  expect(callback, "the sign-in reached the application").not.toBeNull();
  return exchange(app, callback as URL, authorization);
}

/**
 * The statements one request sends to Latchkey's tables (the job queue's own polling left out):
 * the provider's read-ahead (src/oidc/prefetch.ts) must keep the token paths at one round trip per
 * thing they read or write.
 */
async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
  // Drizzle's handle on the driver: the PGlite instance, or node-postgres' pool (the token paths use no transaction).
  const database = (t.deps.db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }).$client;
  const original = database.query;
  const seen: string[] = [];
  database.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === "string" ? first : String((first as { text?: string } | undefined)?.text ?? "");
    // Background workers' polling is not the request's: pg-boss's, and the webhook worker's claim.
    if (!/pgboss\.|webhook-worker/i.test(text)) seen.push(text.replace(/\s+/g, " ").trim());
    return original.apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    database.query = original;
  }
  return seen;
}

describe("reading a token with everything the provider checks about it", () => {
  it("answers userinfo from one statement, a code exchange and a refresh from three", async () => {
    const authorization = await authorizationRequest(client);
    const { callback } = await signInThroughBrowser(t.client(), authorization, { email: seed.users.user.email });
    let tokens: Awaited<ReturnType<typeof exchange>> | undefined;
    const exchanged = await statementsDuring(async () => (tokens = await exchange(client, callback as URL, authorization)));
    // Read the code ahead with the rest, consume it, then the tokens and the audit row together.
    expect(exchanged).toHaveLength(3);
    const { access_token: accessToken, refresh_token: refreshToken } = tokens as NonNullable<typeof tokens>;
    const userinfo = await statementsDuring(() => oidc.fetchUserInfo(client.config, accessToken, seed.users.user.id));
    expect(userinfo).toHaveLength(1);
    const refreshed = await statementsDuring(() => oidc.refreshTokenGrant(client.config, refreshToken as string));
    expect(refreshed).toHaveLength(3);
    // The audit rows written with the tokens are the ones the provider's answers always gave.
    const audit = await queryRows<{ action: string; target_company_id: string; details: { clientId: string } }>(
      t.deps.db,
      sql`select action, target_company_id, details from audit_events
          where action in ('oidc.token_issued', 'oidc.token_refreshed') and target_user_id = ${seed.users.user.id} order by id`,
    );
    expect(audit).toMatchObject([
      { action: "oidc.token_issued", target_company_id: seed.company.id, details: { clientId: client.clientId, grantType: "authorization_code" } },
      { action: "oidc.token_refreshed", target_company_id: seed.company.id, details: { clientId: client.clientId, grantType: "refresh_token" } },
    ]);
  });

  it("still refuses a rotated refresh token presented again, and the grant dies with it", async () => {
    const first = await appSession(seed.users.manager);
    const second = await oidc.refreshTokenGrant(client.config, first.refresh_token as string);
    await expect(oidc.refreshTokenGrant(client.config, first.refresh_token as string)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.refreshTokenGrant(client.config, second.refresh_token as string)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.fetchUserInfo(client.config, second.access_token, seed.users.manager.id)).rejects.toBeTruthy();
  });

  it("refuses a refresh token presented by another client, which its own client can still use", async () => {
    const tokens = await appSession(seed.users.administrator);
    await expect(oidc.refreshTokenGrant(other.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: "invalid_grant" });
    const refreshed = await oidc.refreshTokenGrant(client.config, tokens.refresh_token as string);
    expect(refreshed.access_token).toBeTruthy();
  });

  it("refuses a code used twice, and what the first exchange issued dies", async () => {
    const authorization = await authorizationRequest(client);
    const { callback } = await signInThroughBrowser(t.client(), authorization, { email: seed.users.user.email });
    const tokens = await exchange(client, callback as URL, authorization);
    await expect(exchange(client, callback as URL, authorization)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(oidc.refreshTokenGrant(client.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: "invalid_grant" });
  });
});

describe("the sign-in page's continue step, and back to the provider", () => {
  it("writes Latchkey's row of the grant and its audit row in one statement, and resumes reading the interaction with what follows it", async () => {
    const browser = t.client();
    const authorization = await authorizationRequest(client);
    const first = await browser.get(authorization.url.pathname + authorization.url.search);
    const uid = /\/interaction\/([^/?#]+)/.exec(String(first.headers.location))?.[1] ?? "";
    expect((await browser.post(`/interaction/${uid}/login`, { email: seed.users.manager.email, password: FACTORY_PASSWORD })).status).toBe(200);
    let redirectTo = "";
    const statements = await statementsDuring(async () => {
      const next = await browser.post(`/interaction/${uid}/continue`, {});
      expect(next.status).toBe(200);
      redirectTo = next.body.redirectTo;
    });
    // The interaction, the session, the client, the provider's Grant, Latchkey's row with its audit, the interaction's result.
    expect(statements).toHaveLength(6);
    let location = "";
    const resumed = await statementsDuring(async () => {
      const reply = await browser.get(new URL(redirectTo).pathname);
      location = String(reply.headers.location);
    });
    expect(new URL(location).searchParams.get("code")).toBeTruthy();
    // The interaction with its client, grant and account; its deletion; the Latchkey session; the provider's session; the code.
    expect(resumed).toHaveLength(5);
    const rows = await queryRows<{ grant_id: string; access: string; acting_company_id: string }>(
      t.deps.db,
      sql`select grant_id, access, acting_company_id from oidc_grants where user_id = ${seed.users.manager.id} and client_id = ${client.clientId} order by created_at desc limit 1`,
    );
    const grantId = rows[0]?.grant_id ?? "";
    expect(rows[0]).toMatchObject({ access: "member", acting_company_id: seed.company.id });
    const audit = await queryRows<{ actor_user_id: string; target_company_id: string; details: Record<string, unknown> }>(
      t.deps.db,
      sql`select actor_user_id, target_company_id, details from audit_events where action = 'oidc.authorized' and details->>'grantId' = ${grantId}`,
    );
    expect(audit).toMatchObject([{ actor_user_id: seed.users.manager.id, target_company_id: seed.company.id, details: { clientId: client.clientId, access: "member", scope: "openid email profile company" } }]);
  });
});

describe("tokens written at the end of the token request", () => {
  it("leave only once written: a failed write answers server_error and carries no token", async () => {
    const tokens = await appSession(seed.users.read_only);
    await t.deps.db.execute(sql`create function refuse_access_tokens() returns trigger language plpgsql as $$
      begin if new.model = 'AccessToken' then raise exception 'refused by the test'; end if; return new; end $$`);
    await t.deps.db.execute(sql`create trigger refuse_access_tokens before insert on oidc_payloads for each row execute function refuse_access_tokens()`);
    try {
      const reply = await t.client().request("POST", "/oidc/token", `grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.refresh_token as string)}`, {
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      });
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ error: "server_error", error_description: "oops! something went wrong" });
    } finally {
      await t.deps.db.execute(sql`drop trigger refuse_access_tokens on oidc_payloads`);
      await t.deps.db.execute(sql`drop function refuse_access_tokens()`);
    }
    // Nothing of that answer was kept: no new refresh token, and no audit row claiming a refresh.
    const refreshed = await queryRows<{ n: number }>(t.deps.db, sql`select count(*)::int as n from audit_events where action = 'oidc.token_refreshed' and target_user_id = ${seed.users.read_only.id}`);
    expect(refreshed[0]?.n).toBe(0);
  });
});
