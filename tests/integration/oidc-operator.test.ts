import { eq, sql } from "drizzle-orm";
import { decodeProtectedHeader } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { oidcClients, oidcKeys, oidcPayloads } from "../../src/db/schema.ts";
import { pruneExpired } from "../../src/features/housekeeping/prune-expired.ts";
import { OidcProvider } from "../../src/oidc/provider.ts";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { APP_REDIRECT, authorizationRequest, exchange, injectFetch, registerClient, signInThroughBrowser, type RegisteredClient } from "../support/oidc.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;

beforeAll(async () => {
  t = await startTestApp({ worker: false, smtp: false });
  seed = await createCompanyWithUsers(t.deps);
});
afterAll(() => t?.close());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { code, out, err, text: [...out, ...err].join("\n") };
}

const PRIVATE_MEMBERS = ['"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"'];

async function signedInApp(client: RegisteredClient) {
  const browser = await signIn(t, seed.users.user);
  const authorization = await authorizationRequest(client);
  const { callback } = await signInThroughBrowser(browser, authorization);
  return exchange(client, callback as URL, authorization);
}

describe("signing keys", () => {
  it("are generated on first start, kept in the database, and never leave it private", async () => {
    const jwks = await t.client().get("/oidc/jwks");
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    const stored = await t.deps.db.select().from(oidcKeys).where(eq(oidcKeys.purpose, "signing"));
    expect(stored.map((key) => key.kid)).toEqual([jwks.body.keys[0].kid]);
    for (const path of ["/oidc/jwks", "/.well-known/openid-configuration"]) {
      const raw = (await t.app.inject({ url: path })).body;
      for (const member of PRIVATE_MEMBERS) expect(raw).not.toContain(member);
    }
  });

  it("another instance on the same database builds the same keys, creating none", async () => {
    const other = new OidcProvider({ db: t.deps.db, config: t.config, clock: t.clock, logger: t.deps.logger, jobs: t.deps.jobs });
    const provider = await other.current();
    const response = await t.app.inject({ url: "/oidc/jwks" });
    expect((await t.deps.db.select().from(oidcKeys).where(eq(oidcKeys.purpose, "signing"))).length).toBe(1);
    expect(provider.issuer).toBe(t.config.publicUrl);
    expect(JSON.parse(response.body).keys).toHaveLength(1);
  });

  it("rotate-signing-key publishes the new key at once, signs with it later, and withdraws the old one when its tokens have expired", async () => {
    const client = await registerClient(t);
    const [oldKid] = (await t.client().get("/oidc/jwks")).body.keys.map((key: { kid: string }) => key.kid);
    const rotated = await cli("rotate-signing-key", "--in", "15m");
    expect(rotated.code).toBe(0);
    for (const member of PRIVATE_MEMBERS) expect(rotated.text).not.toContain(member);
    expect(await t.deps.oidc.reload()).toBe(true);
    const published = (await t.client().get("/oidc/jwks")).body.keys.map((key: { kid: string }) => key.kid);
    expect(published).toHaveLength(2);
    const newKid = published.find((kid: string) => kid !== oldKid);
    // Published, not yet signing: clients learn the key before they meet it.
    expect(decodeProtectedHeader((await signedInApp(client)).id_token as string).kid).toBe(oldKid);

    t.clock.advance(16 * 60_000);
    expect(await t.deps.oidc.reload()).toBe(true);
    expect(decodeProtectedHeader((await signedInApp(client)).id_token as string).kid).toBe(newKid);
    expect((await t.client().get("/oidc/jwks")).body.keys.map((key: { kid: string }) => key.kid).sort()).toEqual([oldKid, newKid].sort());

    t.clock.advance(12 * 60_000);
    expect(await t.deps.oidc.reload()).toBe(true);
    expect((await t.client().get("/oidc/jwks")).body.keys.map((key: { kid: string }) => key.kid)).toEqual([newKid]);
  });

  it("--now withdraws the current key at once (a compromised key)", async () => {
    const [current] = (await t.client().get("/oidc/jwks")).body.keys.map((key: { kid: string }) => key.kid);
    expect((await cli("rotate-signing-key", "--now")).code).toBe(0);
    await t.deps.oidc.reload();
    const after = (await t.client().get("/oidc/jwks")).body.keys.map((key: { kid: string }) => key.kid);
    expect(after).toHaveLength(1);
    expect(after).not.toContain(current);
  });

  it("refuses a malformed duration", async () => {
    const result = await cli("rotate-signing-key", "--in", "soon");
    expect(result.code).toBe(1);
    expect(result.text).toContain("--in takes a duration");
  });
});

describe("clients, from the CLI", () => {
  it("create-client shows the secret once and keeps only its digest", async () => {
    const created = await cli("create-client", "--name", "Billing", "--redirect-uri", "https://billing.example/cb", "--json");
    expect(created.code).toBe(0);
    const { clientId, clientSecret } = JSON.parse(created.out[0] as string) as { clientId: string; clientSecret: string };
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await t.deps.db.select().from(oidcClients).where(eq(oidcClients.id, clientId));
    expect(JSON.stringify(row)).not.toContain(clientSecret);
    const listed = await cli("list-clients");
    expect(listed.text).toContain("Billing");
    expect(listed.text).not.toContain(clientSecret);
    expect(listed.text).not.toContain(row?.secretHash as string);
  });

  it("refuses redirect URIs an attacker could bend", async () => {
    for (const uri of ["http://app.example/cb", "https://user@app.example/cb", "https://app.example/cb#x", "https://*.example/cb", "not a url", "javascript:alert(1)", "https://app.example/c b"]) {
      const result = await cli("create-client", "--name", "Bad", "--redirect-uri", uri);
      expect(result.code, uri).toBe(1);
    }
    expect((await cli("create-client", "--name", "Local dev", "--redirect-uri", "http://localhost:4000/cb")).code).toBe(0);
    expect((await cli("create-client", "--name", "No redirect")).code).toBe(1);
  });

  it("rotate-client-secret: the old secret works during the grace period only", async () => {
    const client = await registerClient(t);
    const rotated = await cli("rotate-client-secret", "--id", client.clientId, "--grace", "1h", "--json");
    expect(rotated.code).toBe(0);
    const { clientSecret } = JSON.parse(rotated.out[0] as string) as { clientSecret: string };
    // The old secret still authenticates (a refresh through the old configuration).
    const tokens = await signedInApp(client);
    const withNew = await oidc.discovery(new URL(t.config.publicUrl), client.clientId, {}, oidc.ClientSecretBasic(clientSecret), { [oidc.customFetch]: injectFetch(t.app), execute: [] });
    withNew[oidc.customFetch] = injectFetch(t.app);
    const refreshed = await oidc.refreshTokenGrant(withNew, tokens.refresh_token as string);
    expect(refreshed.access_token).toBeTruthy();
    // Without grace the old one stops at once.
    expect((await cli("rotate-client-secret", "--id", client.clientId)).code).toBe(0);
    const refused = await oidc.refreshTokenGrant(client.config, refreshed.refresh_token as string).catch((error: unknown) => error);
    expect(JSON.stringify((refused as { cause?: unknown }).cause)).toContain("invalid_client");
  });

  it("delete-client ends every token it holds", async () => {
    const client = await registerClient(t);
    const tokens = await signedInApp(client);
    expect((await cli("delete-client", "--id", client.clientId)).code).toBe(0);
    await expect(oidc.refreshTokenGrant(client.config, tokens.refresh_token as string)).rejects.toBeTruthy();
    const left = await t.deps.db.execute(sql`select count(*)::int as n from oidc_payloads where payload->>'clientId' = ${client.clientId}`);
    expect((left as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(0);
    expect((await cli("delete-client", "--id", client.clientId)).code).toBe(1);
  });
});

describe("the sign-in page's calls", () => {
  it("a third-party application shows what it asks for; cancelling returns access_denied", async () => {
    const client = await registerClient(t, { firstParty: false, name: "Partner tool" });
    const browser = await signIn(t, seed.users.user);
    const authorization = await authorizationRequest(client);
    const first = await browser.get(authorization.url.pathname + authorization.url.search);
    const uid = /\/interaction\/([^/?#]+)/.exec(String(first.headers.location))?.[1] as string;
    const details = await browser.get(`/interaction/${uid}/details`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({ client: { name: "Partner tool", firstParty: false, returnsTo: "https://app.example.test" }, user: { email: seed.users.user.email } });
    expect(details.body.scopes.map((s: { scope: string }) => s.scope)).toEqual(["openid", "email", "profile", "company"]);
    const aborted = await browser.post(`/interaction/${uid}/abort`);
    const back = await browser.get(new URL(aborted.body.redirectTo).pathname + new URL(aborted.body.redirectTo).search);
    expect(String(back.headers.location)).toMatch(new RegExp(`^${APP_REDIRECT}\\?error=access_denied`));
  });

  it("an unknown or foreign interaction is a 404 in the contract's shape, and another browser cannot use it", async () => {
    const client = await registerClient(t);
    const browser = t.client();
    expect((await browser.get("/interaction/nonexistent/details")).status).toBe(404);
    const authorization = await authorizationRequest(client);
    const first = await browser.get(authorization.url.pathname + authorization.url.search);
    const uid = /\/interaction\/([^/?#]+)/.exec(String(first.headers.location))?.[1] as string;
    const stranger = t.client();
    const reply = await stranger.get(`/interaction/${uid}/details`);
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("NOT_FOUND");
    expect((await stranger.post(`/interaction/${uid}/login`, { email: seed.users.user.email, password: "factory made passphrase 4417" })).status).toBe(404);
  });

  it("the password step is the dashboard's: same refusal for a wrong password, audited", async () => {
    const client = await registerClient(t);
    const browser = t.client("10.9.9.9");
    const authorization = await authorizationRequest(client);
    const first = await browser.get(authorization.url.pathname + authorization.url.search);
    const uid = /\/interaction\/([^/?#]+)/.exec(String(first.headers.location))?.[1] as string;
    const wrong = await browser.post(`/interaction/${uid}/login`, { email: seed.users.user.email, password: "not the password at all" });
    const unknown = await browser.post(`/interaction/${uid}/login`, { email: "nobody@example.test", password: "not the password at all" });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    expect((await browser.post(`/interaction/${uid}/continue`, {})).status).toBe(401);
  });

  it("single sign-on: a second authorization in the same browser needs no page; the picker is never skipped", async () => {
    const client = await registerClient(t);
    const browser = await signIn(t, seed.users.user);
    const first = await authorizationRequest(client);
    expect((await signInThroughBrowser(browser, first)).callback).not.toBeNull();
    const second = await authorizationRequest(client);
    const reply = await browser.get(second.url.pathname + second.url.search);
    expect(String(reply.headers.location)).toMatch(new RegExp(`^${APP_REDIRECT}\\?code=`));
    const picker = await authorizationRequest(client, { company: "select" });
    const pick = await browser.get(picker.url.pathname + picker.url.search);
    expect(String(pick.headers.location)).toContain("/interaction/");
  });
});

describe("housekeeping", () => {
  it("prunes the provider's expired rows, ended grants and withdrawn keys", async () => {
    await t.deps.db.insert(oidcPayloads).values([
      { model: "AccessToken", id: "expired-long-ago", payload: {}, expiresAt: new Date(t.clock.now().getTime() - 2 * 3_600_000) },
      { model: "AccessToken", id: "still-live", payload: {}, expiresAt: new Date(t.clock.now().getTime() + 3_600_000) },
    ]);
    const pruned = await pruneExpired(t.deps);
    expect(pruned.providerRows).toBeGreaterThanOrEqual(1);
    const ids = (await t.deps.db.select({ id: oidcPayloads.id }).from(oidcPayloads).where(eq(oidcPayloads.model, "AccessToken"))).map((row) => row.id);
    expect(ids).toContain("still-live");
    expect(ids).not.toContain("expired-long-ago");
  });
});

describe("the mount", () => {
  it("no Latchkey route lives under /oidc/, which the provider owns", () => {
    const routes = t.app.printRoutes({ commonPrefix: false });
    expect(routes).not.toMatch(/^\s*[└├│─ ]*\/oidc/im);
  });
});
