import { createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { SignJWT, UnsecuredJWT, calculateJwkThumbprint, decodeJwt, type JWK } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKCHANNEL_LOGOUT_QUEUE } from "../../src/features/oidc-grants/backchannel-logout-queue.ts";
import { startBackchannelReceiver, type BackchannelReceiver } from "../support/backchannel-receiver.ts";
import type { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { APP_REDIRECT, authorizationRequest, follow, registerClient, type RegisteredClient } from "../support/oidc.ts";
import {
  codeFor,
  countPayloads,
  exchangeCode,
  expectErrorPage,
  expectOAuthError,
  failOnServerErrors,
  grantIdOf,
  grantRow,
  NAVIGATION,
  providerRequest,
  refresh,
  userinfo,
  watchIssued,
} from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const SPA_ORIGIN = "https://spa.example.test";
const SPA_REDIRECT = `${SPA_ORIGIN}/callback`;

let t: TestApp;
let receiver: BackchannelReceiver;
/** The application under attack (confidential, told of logouts), another confidential one, and a public one. */
let appA: RegisteredClient;
let appB: RegisteredClient;
let spa: RegisteredClient;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;
/** A Latchkey session that never met the provider: each clone starts its own provider session and grant. */
let signedIn: TestClient;
const freshBrowser = () => signedIn.clone();

beforeAll(async () => {
  t = await startTestApp({ smtp: false });
  receiver = await startBackchannelReceiver();
  appA = await registerClient(t, { backchannelLogoutUri: receiver.url });
  // The same redirect URI as A: what tells the two apart at the token endpoint is the client alone.
  appB = await registerClient(t, { name: "Other app" });
  spa = await registerClient(t, { name: "Single-page app", public: true, redirectUris: [SPA_REDIRECT], postLogoutRedirectUris: [], resources: [] });
  seed = await createCompanyWithUsers(t.deps);
  signedIn = await signIn(t, seed.users.manager);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});
failOnServerErrors(() => [t]);

type Tokens = { access_token: string; refresh_token: string; id_token: string };

async function signedInApp(client = appA): Promise<Tokens & { grantId: string }> {
  const code = await codeFor(freshBrowser(), client);
  const reply = await exchangeCode(t, client, code);
  expect(reply.status, reply.text).toBe(200);
  const tokens = reply.json as unknown as Tokens;
  return { ...tokens, grantId: await grantIdOf(t, "RefreshToken", tokens.refresh_token) };
}

/** Everything the grant gave is dead: the refresh token refused, the access token refused at userinfo, Latchkey's row revoked. */
async function expectGrantDead(client: RegisteredClient, grantId: string, tokens: { access_token?: string; refresh_token?: string }, reason = "reuse") {
  if (tokens.refresh_token) expectOAuthError(await refresh(t, client, tokens.refresh_token), 400, "invalid_grant");
  if (tokens.access_token) expectOAuthError(await userinfo(t, tokens.access_token), 401, "invalid_token");
  expect(await grantRow(t, grantId)).toEqual({ revoked: true, reason });
}

/** Sends an authorization request in a signed-in browser and returns where the provider sent it. */
async function authorize(url: URL, browser = freshBrowser()) {
  const reply = await browser.get(url.pathname + url.search);
  return { reply, location: typeof reply.headers.location === "string" ? new URL(reply.headers.location, t.config.publicUrl) : null };
}

describe("PKCE: S256 or nothing", () => {
  it.each([
    ["a confidential client", () => appA, APP_REDIRECT],
    ["a public client", () => spa, SPA_REDIRECT],
  ])("refuses an authorization request without a code challenge from %s, at its registered redirect URI", async (_label, client, redirectUri) => {
    const issued = await watchIssued(t);
    const { url, state } = await authorizationRequest(client(), { redirect_uri: redirectUri });
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const { reply, location } = await authorize(url);
    expect(reply.status).toBe(303);
    expect(location?.origin + (location?.pathname ?? "")).toBe(redirectUri);
    expect(Object.fromEntries(location?.searchParams ?? [])).toMatchObject({ error: "invalid_request", state, iss: t.config.publicUrl });
    expect(location?.searchParams.has("code")).toBe(false);
    expect(await issued()).toEqual([]);
  });

  const verifier = oidc.randomPKCECodeVerifier();
  it.each([
    ["plain", { code_challenge_method: "plain", code_challenge: verifier }],
    ["an unknown method", { code_challenge_method: "S512" }],
    ["S256 spelt in lower case", { code_challenge_method: "s256" }],
    ["a method without a challenge", { code_challenge_method: "S256", code_challenge: "" }],
    ["a challenge without a method", { code_challenge_method: "" }],
    ["a challenge too short", { code_challenge: "a".repeat(42) }],
    ["a challenge with forbidden characters", { code_challenge: `${"a".repeat(42)}+` }],
  ])("refuses %s with invalid_request", async (_label, params) => {
    const issued = await watchIssued(t);
    const { url } = await authorizationRequest(appA, params);
    for (const [key, value] of Object.entries(params)) if (value === "") url.searchParams.delete(key);
    const { location } = await authorize(url);
    expect(location?.origin + (location?.pathname ?? "")).toBe(APP_REDIRECT);
    expect(location?.searchParams.get("error")).toBe("invalid_request");
    expect(location?.searchParams.has("code")).toBe(false);
    expect(await issued()).toEqual([]);
  });

  it("lists only S256 in discovery", async () => {
    expect((await t.client().get("/.well-known/openid-configuration")).body.code_challenge_methods_supported).toEqual(["S256"]);
  });

  it("refuses an exchange without the verifier, with another one, or with a malformed one; the right one still works", async () => {
    const code = await codeFor(freshBrowser(), appA);
    const issued = await watchIssued(t);
    const challenge = new URL(code.authorization.url).searchParams.get("code_challenge") as string;
    // A verifier of the wrong shape is a malformed request (RFC 7636 section 4.1), checked before it is compared.
    const attempts: Array<[string | undefined, string]> = [
      [undefined, "invalid_grant"],
      [oidc.randomPKCECodeVerifier(), "invalid_grant"],
      // The challenge itself, as a client using `plain` would send it.
      [challenge, "invalid_grant"],
      [`${code.authorization.verifier}x`, "invalid_grant"],
      [code.authorization.verifier.slice(0, 42), "invalid_request"],
      ["a".repeat(129), "invalid_request"],
      [`${code.authorization.verifier.slice(0, 42)}+/=`, "invalid_request"],
      [`${code.authorization.verifier.slice(0, 42)}\u00e9`, "invalid_request"],
    ];
    for (const [codeVerifier, error] of attempts) {
      expectOAuthError(await exchangeCode(t, appA, code, { code_verifier: codeVerifier }), 400, error);
    }
    expect(await issued()).toEqual([]);
    // The refusals above were about the verifier: the same code with its own verifier is good.
    expect((await exchangeCode(t, appA, code)).status).toBe(200);
  });
});

describe("an authorization code used twice", () => {
  it("refuses the second exchange and kills what the first one issued; the application is told", async () => {
    const code = await codeFor(freshBrowser(), appA);
    const first = await exchangeCode(t, appA, code);
    expect(first.status).toBe(200);
    const tokens = first.json as unknown as Tokens;
    const grantId = await grantIdOf(t, "RefreshToken", tokens.refresh_token);
    const sid = decodeJwt(tokens.id_token).sid;

    expectOAuthError(await exchangeCode(t, appA, code), 400, "invalid_grant");
    await expectGrantDead(appA, grantId, tokens);
    // A stolen code was used: the application's session for it ends too.
    const jobs = await t.deps.jobs.boss.findJobs(BACKCHANNEL_LOGOUT_QUEUE, { limit: 1_000 });
    expect(jobs.map((job) => job.data)).toContainEqual({ clientId: appA.clientId, userId: seed.users.manager.id, sid, reason: "reuse" });
  });

  it("lets at most one of ten simultaneous exchanges through, and then revokes its grant", async () => {
    const code = await codeFor(freshBrowser(), appA);
    const grantId = await grantIdOf(t, "AuthorizationCode", code.code);
    const replies = await Promise.all(Array.from({ length: 10 }, () => exchangeCode(t, appA, code)));
    const winners = replies.filter((reply) => reply.status === 200);
    // The conditional consume lets one exchange past it; the others revoke the grant as a reuse, and
    // on PostgreSQL that revocation now and then lands before the winner's account re-check, which
    // then refuses it too (fail closed). Either way no token outlives the race.
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const reply of replies.filter((r) => r.status !== 200)) expectOAuthError(reply, 400, "invalid_grant");
    await expectGrantDead(appA, grantId, (winners[0]?.json ?? {}) as Partial<Tokens>);
  });
});

describe("a code presented by another client", () => {
  it("refuses client B authenticating with A's code, issues nothing, and leaves A's code alone", async () => {
    const code = await codeFor(freshBrowser(), appA);
    const issued = await watchIssued(t);
    expectOAuthError(await exchangeCode(t, appB, code), 400, "invalid_grant");
    expect(await issued()).toEqual([]);
    expect((await exchangeCode(t, appA, code)).status).toBe(200);
  });

  it("refuses a public client presenting a confidential client's code, as itself or in the confidential client's name", async () => {
    const code = await codeFor(freshBrowser(), appA);
    const issued = await watchIssued(t);
    expectOAuthError(await exchangeCode(t, spa, code), 400, "invalid_grant");
    expectOAuthError(await exchangeCode(t, { clientId: appA.clientId, clientSecret: null }, code), 401, "invalid_client");
    expectOAuthError(await exchangeCode(t, { clientId: appA.clientId, clientSecret: "not-the-secret" }, code), 401, "invalid_client");
    expect(await issued()).toEqual([]);
  });
});

describe("a code exchanged with another redirect URI", () => {
  it("is refused, whether the URI is the client's other one, a look-alike or a stranger's, or missing", async () => {
    const two = await registerClient(t, { name: "Two callbacks", redirectUris: [APP_REDIRECT, `${APP_REDIRECT}2`] });
    const code = await codeFor(freshBrowser(), two);
    const issued = await watchIssued(t);
    for (const redirectUri of [`${APP_REDIRECT}2`, `${APP_REDIRECT}/`, "https://evil.example/callback"]) {
      expectOAuthError(await exchangeCode(t, two, code, { redirect_uri: redirectUri }), 400, "invalid_grant");
    }
    expectOAuthError(await exchangeCode(t, two, code, { redirect_uri: undefined }), 400, "invalid_request");
    expect(await issued()).toEqual([]);
  });
});

describe("an expired code", () => {
  /** The provider reads expiry with the system clock (decision 0027, pitfall 15): the row is moved instead. */
  async function expireIn(code: string, seconds: number) {
    const exp = Math.floor(Date.now() / 1000) + seconds;
    await t.deps.db.execute(sql`
      update oidc_payloads set payload = jsonb_set(payload, '{exp}', to_jsonb(${exp}::int)), expires_at = to_timestamp(${exp})
      where model = 'AuthorizationCode' and id = ${code}`);
  }

  it("is refused once past its expiry, and accepted just before it", async () => {
    const stale = await codeFor(freshBrowser(), appA);
    await expireIn(stale.code, -1);
    const issued = await watchIssued(t);
    expectOAuthError(await exchangeCode(t, appA, stale), 400, "invalid_grant");
    expect(await issued()).toEqual([]);

    const fresh = await codeFor(freshBrowser(), appA);
    await expireIn(fresh.code, 5);
    expect((await exchangeCode(t, appA, fresh)).status).toBe(200);
  });
});

describe("refresh tokens", () => {
  it("refuses another client's refresh token, and the owner's token still works", async () => {
    const tokens = await signedInApp();
    const issued = await watchIssued(t);
    expectOAuthError(await refresh(t, appB, tokens.refresh_token), 400, "invalid_grant");
    expectOAuthError(await refresh(t, spa, tokens.refresh_token), 400, "invalid_grant");
    expect(await issued()).toEqual([]);
    expect((await refresh(t, appA, tokens.refresh_token)).status).toBe(200);
  });

  it("lets no other client revoke or introspect it, while its own client's revocation ends the grant", async () => {
    const tokens = await signedInApp();
    // The library's policy: a confidential client is told it may not; a public one gets RFC 7009's 200, and nothing happens.
    expectOAuthError(await providerRequest(t, { url: "/oidc/token/revocation", basic: appB, form: { token: tokens.refresh_token } }), 400, "invalid_request");
    expect((await providerRequest(t, { url: "/oidc/token/revocation", form: { token: tokens.refresh_token, client_id: spa.clientId } })).status).toBe(200);
    const seenByB = await providerRequest(t, { url: "/oidc/token/introspection", basic: appB, form: { token: tokens.refresh_token } });
    expect(seenByB.json).toEqual({ active: false });
    expect((await grantRow(t, tokens.grantId))?.revoked).toBe(false);
    const seenByA = await providerRequest(t, { url: "/oidc/token/introspection", basic: appA, form: { token: tokens.refresh_token } });
    expect(seenByA.json).toMatchObject({ active: true, client_id: appA.clientId });

    expect((await providerRequest(t, { url: "/oidc/token/revocation", basic: appA, form: { token: tokens.refresh_token } })).status).toBe(200);
    await expectGrantDead(appA, tokens.grantId, tokens, "token_revoked");
  });

  it("revokes the whole grant when a rotated refresh token comes back: the newest token dies too", async () => {
    const tokens = await signedInApp();
    const rotated = await refresh(t, appA, tokens.refresh_token);
    expect(rotated.status).toBe(200);
    const newest = rotated.json as unknown as Tokens;
    expect(newest.refresh_token).not.toBe(tokens.refresh_token);

    const issued = await watchIssued(t);
    expectOAuthError(await refresh(t, appA, tokens.refresh_token), 400, "invalid_grant");
    expect(await issued()).toEqual([]);
    await expectGrantDead(appA, tokens.grantId, newest);
    expectOAuthError(await userinfo(t, tokens.access_token), 401, "invalid_token");
  });

  it("lets at most one of ten simultaneous refreshes of one token through, and then revokes the grant", async () => {
    const tokens = await signedInApp();
    const replies = await Promise.all(Array.from({ length: 10 }, () => refresh(t, appA, tokens.refresh_token)));
    const winners = replies.filter((reply) => reply.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const reply of replies.filter((r) => r.status !== 200)) expectOAuthError(reply, 400, "invalid_grant");
    // What the race handed out, if anything, and what the application held before: all dead.
    await expectGrantDead(appA, tokens.grantId, (winners[0]?.json ?? {}) as Partial<Tokens>);
    await expectGrantDead(appA, tokens.grantId, tokens);
  });
});

describe("a JWT signed with an unknown key, with alg none or with the public key as an HMAC secret", () => {
  let browser: TestClient;
  let genuine: string;
  let published: JWK;

  beforeAll(async () => {
    browser = freshBrowser();
    const code = await codeFor(browser, appA);
    genuine = ((await exchangeCode(t, appA, code)).json as unknown as Tokens).id_token;
    published = (await t.client().get("/oidc/jwks")).body.keys[0] as JWK;
  });

  async function forgeries(): Promise<Array<[string, string]>> {
    const claims = decodeJwt(genuine);
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const attackerJwk = attacker.publicKey.export({ format: "jwk" }) as JWK;
    const publicPem = createPublicKey({ key: published as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    const sign = (alg: string, kid: string | undefined, key: Parameters<SignJWT["sign"]>[0]) =>
      new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", ...(kid ? { kid } : {}) }).sign(key);
    return [
      ["alg none", new UnsecuredJWT(claims).encode()],
      ["alg none with Latchkey's kid", `${Buffer.from(JSON.stringify({ alg: "none", kid: published.kid })).toString("base64url")}.${genuine.split(".")[1]}.`],
      ["an unknown kid", await sign("RS256", await calculateJwkThumbprint(attackerJwk), attacker.privateKey)],
      ["Latchkey's kid on another key's signature", await sign("RS256", published.kid, attacker.privateKey)],
      ["no kid, another key", await sign("RS256", undefined, attacker.privateKey)],
      ["HS256 keyed with the public key (PEM)", await sign("HS256", published.kid, new TextEncoder().encode(String(publicPem)))],
      ["HS256 keyed with the public JWK", await sign("HS256", published.kid, new TextEncoder().encode(JSON.stringify(published)))],
      ["the genuine token with its signature cut", `${genuine.split(".").slice(0, 2).join(".")}.`],
      ["the genuine token with a flipped claim", `${genuine.split(".")[0]}.${Buffer.from(JSON.stringify({ ...claims, sub: randomBytes(8).toString("hex") })).toString("base64url")}.${genuine.split(".")[2]}`],
    ];
  }

  /** The provider's session (and Latchkey's) survived: prompt=none still signs the browser in to the app. */
  async function expectSessionKept() {
    const { url } = await authorizationRequest(appA, { prompt: "none" });
    const done = await follow(browser, url);
    expect(done.location, "still signed in").toContain(`${APP_REDIRECT}?code=`);
    expect((await browser.get("/api/v1/auth/me")).status).toBe(200);
  }

  it("as id_token_hint, is refused at /oidc/session/end with the error page, and the session is kept", async () => {
    const sessions = await countPayloads(t, "Session");
    // The genuine hint leads to the sign-out question: the refusals below are about the signature.
    const real = await browser.get(`/oidc/session/end?${new URLSearchParams({ id_token_hint: genuine, post_logout_redirect_uri: "https://app.example.test/" })}`);
    expect(real.status).toBe(200);
    expect(String(real.body)).toContain("op.logoutForm");
    for (const [label, hint] of await forgeries()) {
      const reply = await browser.get(`/oidc/session/end?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: "https://app.example.test/" })}`, NAVIGATION);
      expectErrorPage(reply, "invalid_request");
      expect(String(reply.body), label).not.toContain("op.logoutForm");
    }
    expect(await countPayloads(t, "Session")).toBe(sessions);
    await expectSessionKept();
  });

  it("as id_token_hint, is refused at /oidc/auth with invalid_request at the application, nothing issued, and the session is kept", async () => {
    for (const [label, hint] of await forgeries()) {
      const issued = await watchIssued(t);
      const { url } = await authorizationRequest(appA, { prompt: "none", id_token_hint: hint });
      const done = await follow(browser, url);
      const location = new URL(done.location ?? "about:blank");
      expect(location.origin + location.pathname, label).toBe(APP_REDIRECT);
      expect(location.searchParams.get("error"), label).toBe("invalid_request");
      expect(await issued(), label).toEqual([]);
    }
    const { url } = await authorizationRequest(appA, { prompt: "none", id_token_hint: genuine });
    expect((await follow(browser, url)).location).toContain(`${APP_REDIRECT}?code=`);
    await expectSessionKept();
  });

  it("does not take a client assertion signed with none or with the public key as client authentication", async () => {
    // Only client_secret_basic/post and none are offered: a forged assertion is no way in.
    const claims = { iss: appA.clientId, sub: appA.clientId, aud: `${t.config.publicUrl}/oidc/token`, jti: randomBytes(8).toString("hex"), exp: Math.floor(Date.now() / 1000) + 60 };
    const publicPem = createPublicKey({ key: published as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    const assertions = [
      new UnsecuredJWT(claims).encode(),
      await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: published.kid }).sign(new TextEncoder().encode(String(publicPem))),
    ];
    const tokens = await signedInApp();
    const issued = await watchIssued(t);
    for (const assertion of assertions) {
      const reply = await providerRequest(t, {
        url: "/oidc/token",
        form: { grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: assertion },
      });
      // The assertion's parameters are not even read: the request carries no client authentication it knows.
      expectOAuthError(reply, [400, 401], ["invalid_request", "invalid_client"]);
    }
    expect(await issued()).toEqual([]);
  });
});
