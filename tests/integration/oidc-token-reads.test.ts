import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompanyWithUsers, type SeedUser } from "../support/factories.ts";
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
    if (!/pgboss\./i.test(text)) seen.push(text.replace(/\s+/g, " ").trim());
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
  it("answers userinfo from one statement, and a refresh from five", async () => {
    const tokens = await appSession(seed.users.user);
    const userinfo = await statementsDuring(() => oidc.fetchUserInfo(client.config, tokens.access_token, seed.users.user.id));
    expect(userinfo).toHaveLength(1);
    const refreshed = await statementsDuring(() => oidc.refreshTokenGrant(client.config, tokens.refresh_token as string));
    // Read ahead, consume the old refresh token, write the new one and the access token, audit.
    expect(refreshed).toHaveLength(5);
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
