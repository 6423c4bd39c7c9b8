import { generateKeyPairSync, createPublicKey } from "node:crypto";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { SignJWT, UnsecuredJWT, decodeJwt, importJWK, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SCOPE_NAMES } from "../../src/features/access/api-scopes.ts";
import { apiAudience } from "../../src/features/api-clients/api-audience.ts";
import { loadKeys } from "../../src/oidc/keys.ts";
import { bearerRequest, createMachineClient, machineToken, type MachineClient } from "../support/api-clients.ts";
import type { TestClient } from "../support/client.ts";
import { countEmails, createCompanyWithUsers, signIn } from "../support/factories.ts";
import { APP_API, authorizationRequest, registerClient, type RegisteredClient } from "../support/oidc.ts";
import { codeFor, exchangeCode, expectOAuthError, failOnServerErrors, providerRequest, tokenRequest } from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;
let client: MachineClient;
let token: string;
let platformApp: RegisteredClient;
let browser: TestClient;

beforeAll(async () => {
  t = await startTestApp({ smtp: false });
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
  client = await createMachineClient(t, seed.company.id, ["users:read", "users:write"]);
  token = await machineToken(t, client, ["users:read", "users:write"]);
  platformApp = await registerClient(t);
  browser = await signIn(t, seed.users.administrator);
});
afterAll(async () => {
  await t?.close();
});
failOnServerErrors(() => [t]);

const listUsers = (bearer: string) => bearerRequest(t, bearer, "GET", "/api/v1/users");

function expectRefused(reply: { status: number; body: any; headers: Record<string, unknown> }, what: string) {
  expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBe(401);
  expect(reply.body.error.code).toBe("UNAUTHENTICATED");
  expect(String(reply.headers["www-authenticate"])).toContain("invalid_token");
}

/** A token signed with the provider's own current key: every claim as a real one, then the attack's change. */
async function forge(overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: JWK } = {}): Promise<string> {
  const keys = await loadKeys(t.deps.db, new Date());
  const jwk = overrides.key ?? (keys.signing[0] as JWK);
  const real = decodeJwt(token);
  const now = Math.floor(Date.now() / 1000);
  const claims = { ...real, iat: now, exp: now + 600, jti: `forged-${now}-${Math.random()}`, ...overrides.claims };
  return new SignJWT(claims as Record<string, unknown>)
    .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: (keys.signing[0] as JWK).kid, ...overrides.header } as never)
    .sign(await importJWK(jwk, "RS256"));
}

describe("tokens the API refuses (401)", () => {
  it("accepts the forger's token when nothing is changed: the refusals below are the attacks'", async () => {
    expect((await listUsers(await forge())).status).toBe(200);
  });

  it("refuses an expired token, and one a second past expiry", async () => {
    const now = Math.floor(Date.now() / 1000);
    expectRefused(await listUsers(await forge({ claims: { iat: now - 700, exp: now - 100 } })), "expired");
    expectRefused(await listUsers(await forge({ claims: { iat: now - 601, exp: now - 1 } })), "just expired");
  });

  it("refuses a tampered token: any claim changed under the real signature", async () => {
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    for (const change of [{ scope: API_SCOPE_NAMES.join(" ") }, { client_id: "someone-else" }, { exp: claims.exp + 3600 }, { company_id: "00000000-0000-4000-8000-000000000000" }]) {
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString("base64url")}.${signature}`;
      expectRefused(await listUsers(tampered), JSON.stringify(change));
    }
    const flipped = `${header}.${payload}.${(signature ?? "").slice(0, -2)}${(signature ?? "").endsWith("AA") ? "BB" : "AA"}`;
    expectRefused(await listUsers(flipped), "signature changed");
  });

  it("refuses another audience, another issuer, no audience, a token of another type", async () => {
    expectRefused(await listUsers(await forge({ claims: { aud: APP_API } })), "application's audience");
    expectRefused(await listUsers(await forge({ claims: { aud: `${apiAudience(t.config)}/` } })), "audience with a slash");
    expectRefused(await listUsers(await forge({ claims: { aud: undefined } })), "no audience");
    expectRefused(await listUsers(await forge({ claims: { iss: "https://evil.example" } })), "other issuer");
    expectRefused(await listUsers(await forge({ header: { typ: "JWT" } })), "typ JWT");
    expectRefused(await listUsers(await forge({ claims: { sub: seed.users.administrator.id } })), "a user as subject");
    expectRefused(await listUsers(await forge({ claims: { secret_version: undefined } })), "no secret version");
  });

  it("refuses alg none, a key of its own under our kid, and HS256 keyed with our public key", async () => {
    const claims = decodeJwt(token);
    const none = new UnsecuredJWT(claims as Record<string, unknown>).encode();
    expectRefused(await listUsers(none), "alg none");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const own = privateKey.export({ format: "jwk" }) as JWK;
    expectRefused(await listUsers(await forge({ key: own })), "attacker's key");
    const keys = await loadKeys(t.deps.db, new Date());
    const publicPem = createPublicKey({ key: keys.signing[0] as never, format: "jwk" }).export({ format: "pem", type: "spki" });
    const hs = await new SignJWT(claims as Record<string, unknown>).setProtectedHeader({ alg: "HS256", typ: "at+jwt" }).sign(new TextEncoder().encode(String(publicPem)));
    expectRefused(await listUsers(hs), "HS256 with the public key");
  });

  it("refuses a user's ID token and access token from the authorization-code flow", async () => {
    const code = await codeFor(browser.clone(), platformApp, { resource: APP_API });
    const reply = await exchangeCode(t, platformApp, code);
    expect(reply.status, reply.text).toBe(200);
    const tokens = reply.json as { access_token: string; id_token: string };
    expectRefused(await listUsers(tokens.id_token), "id token");
    expectRefused(await listUsers(tokens.access_token), "user's access token");
  });

  it("a platform application cannot ask a token for the API's audience", async () => {
    const authorization = await authorizationRequest(platformApp, { resource: apiAudience(t.config) });
    const reply = await browser.clone().get(authorization.url.pathname + authorization.url.search);
    expect(String(reply.headers.location ?? reply.body)).toMatch(/invalid_target/);
  });

  it("answers malformed Authorization headers with 401, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (value) => {
        const reply = await t.app.inject({ method: "GET", url: "/api/v1/users", headers: { authorization: `Bearer ${value}` } });
        expect([400, 401]).toContain(reply.statusCode);
      }),
      { numRuns: 60 },
    );
    for (const header of ["Bearer", "Bearer ", "bearer a b", `Bearer ${"a".repeat(10_000)}`, "Bearer a.b.c"]) {
      const reply = await t.app.inject({ method: "GET", url: "/api/v1/users", headers: { authorization: header } });
      expect(reply.statusCode, header).toBe(401);
    }
  });
});

describe("one credential or the other", () => {
  it("refuses a bearer request that also carries a session cookie (400), and does nothing", async () => {
    const emails = await countEmails(t.deps);
    const reply = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: { authorization: `Bearer ${token}`, cookie: browser.cookieHeader(), "x-csrf-token": await browser.csrfToken(), "content-type": "application/json" },
      payload: JSON.stringify({ name: "Both", email: "both@example.test", role: "user" }),
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json().error.code).toBe("CREDENTIALS_AMBIGUOUS");
    expect(await countEmails(t.deps)).toBe(emails);
    const get = await t.app.inject({ method: "GET", url: "/api/v1/users", headers: { authorization: `Bearer ${token}`, cookie: browser.cookieHeader() } });
    expect(get.statusCode).toBe(400);
  });

  it("a bearer write needs no CSRF token; a cookie write still does, and a Basic header does not exempt it", async () => {
    const bearer = await bearerRequest(t, token, "PATCH", `/api/v1/users/${seed.users.user.id}`, { name: "Renamed By Machine" });
    expect(bearer.status).toBe(200);
    const cookieOnly = await t.app.inject({ method: "PATCH", url: `/api/v1/users/${seed.users.user.id}`, headers: { cookie: browser.cookieHeader(), "content-type": "application/json" }, payload: JSON.stringify({ name: "No Csrf" }) });
    expect(cookieOnly.statusCode).toBe(403);
    expect(cookieOnly.json().error.code).toBe("CSRF_INVALID");
    const basic = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/users/${seed.users.user.id}`,
      headers: { cookie: browser.cookieHeader(), authorization: "Basic dXNlcjpwYXNz", "content-type": "application/json" },
      payload: JSON.stringify({ name: "No Csrf" }),
    });
    expect(basic.statusCode).toBe(403);
    expect(basic.json().error.code).toBe("CSRF_INVALID");
  });
});

describe("a client's life ends its tokens at once", () => {
  it("rotating the secret: the old secret gets no token, the old token is refused, the new secret works", async () => {
    const mine = await createMachineClient(t, seed.company.id, ["users:read"], "Rotated");
    const old = await machineToken(t, mine, ["users:read"]);
    expect((await listUsers(old)).status).toBe(200);
    const rotated = await browser.post(`/api/v1/api-clients/${mine.clientId}/secret`);
    expect(rotated.status).toBe(200);
    expectRefused(await listUsers(old), "token of the old secret");
    expectOAuthError(await tokenRequest(t, mine, { grant_type: "client_credentials", scope: "users:read", resource: apiAudience(t.config) }), 401, "invalid_client");
    const fresh = await machineToken(t, { clientId: mine.clientId, clientSecret: rotated.body.clientSecret }, ["users:read"]);
    expect((await listUsers(fresh)).status).toBe(200);
  });

  it("deleting the client refuses its token on the next request", async () => {
    const mine = await createMachineClient(t, seed.company.id, ["users:read"], "Deleted");
    const live = await machineToken(t, mine, ["users:read"]);
    expect((await listUsers(live)).status).toBe(200);
    expect((await browser.delete(`/api/v1/api-clients/${mine.clientId}`)).status).toBe(200);
    expectRefused(await listUsers(live), "deleted client");
    expectOAuthError(await tokenRequest(t, mine, { grant_type: "client_credentials", scope: "users:read" }), 401, "invalid_client");
  });

  it("deleting the company refuses its clients' tokens on the next request", async () => {
    const doomed = await createCompanyWithUsers(t.deps, { name: "Doomed" });
    const mine = await createMachineClient(t, doomed.company.id, ["users:read"], "Doomed sync");
    const live = await machineToken(t, mine, ["users:read"]);
    expect((await listUsers(live)).status).toBe(200);
    const admin = await signIn(t, doomed.users.administrator);
    expect((await admin.post("/api/v1/company/delete", { confirmName: "Doomed" })).status).toBe(200);
    expectRefused(await listUsers(live), "deleted company");
  });

  it("narrowing a client's scopes narrows its live tokens", async () => {
    const mine = await createMachineClient(t, seed.company.id, ["users:read", "users:write"], "Narrowed");
    const live = await machineToken(t, mine, ["users:read", "users:write"]);
    await t.deps.db.execute(sql`update oidc_clients set scopes = '{users:read}' where id = ${mine.clientId}`);
    const reply = await bearerRequest(t, live, "POST", "/api/v1/users", { name: "Not Made", email: "not-made@example.test", role: "user" });
    expect(reply.status).toBe(403);
  });
});

/** The library's answer to a grant type the client was not registered for (oidc-provider 9: invalid_request). */
function expectGrantTypeRefused(reply: Awaited<ReturnType<typeof tokenRequest>>) {
  expectOAuthError(reply, 400, ["invalid_request", "unauthorized_client"]);
  expect(reply.json?.error_description).toBe("requested grant type is not allowed for this client");
}

describe("the token endpoint", () => {
  it("refuses a platform application the client-credentials grant", async () => {
    const reply = await tokenRequest(t, platformApp, { grant_type: "client_credentials", resource: apiAudience(t.config) });
    expectGrantTypeRefused(reply);
  });

  it("refuses a machine client the authorization-code flow, at both ends", async () => {
    const authorize = await providerRequest(t, {
      url: `/oidc/auth?${new URLSearchParams({ client_id: client.clientId, response_type: "code", scope: "openid", redirect_uri: "https://evil.example/cb", code_challenge: "x".repeat(43), code_challenge_method: "S256" })}`,
    });
    expect(authorize.status).toBe(400);
    expect(authorize.headers.location).toBeUndefined();
    expectGrantTypeRefused(await tokenRequest(t, client, { grant_type: "authorization_code", code: "x", redirect_uri: "https://evil.example/cb", code_verifier: "x".repeat(43) }));
    expectGrantTypeRefused(await tokenRequest(t, client, { grant_type: "refresh_token", refresh_token: "x" }));
  });

  it("refuses scopes the client does not hold, and resources other than the API", async () => {
    for (const scope of ["audit:read", "grants:manage", "users:reset", "users:read audit:read", "openid", "company"]) {
      const reply = await tokenRequest(t, client, { grant_type: "client_credentials", scope, resource: apiAudience(t.config) });
      expectOAuthError(reply, 400, "invalid_scope");
    }
    expectOAuthError(await tokenRequest(t, client, { grant_type: "client_credentials", scope: "users:read", resource: APP_API }), 400, "invalid_target");
  });

  it("a token for fewer scopes than the client holds carries only those", async () => {
    const narrow = await machineToken(t, client, ["users:read"]);
    expect(decodeJwt(narrow).scope).toBe("users:read");
    expect((await bearerRequest(t, narrow, "POST", "/api/v1/users", { name: "Not Made", email: "narrow@example.test", role: "user" })).status).toBe(403);
  });

  it("a token lives ten minutes, with the header and claims a resource server expects", async () => {
    const claims = decodeJwt(token);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
    expect(claims).toMatchObject({ iss: t.config.publicUrl, aud: apiAudience(t.config), sub: client.clientId, client_id: client.clientId, company_id: seed.company.id });
    expect(JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString())).toMatchObject({ typ: "at+jwt", alg: "RS256" });
  });
});
