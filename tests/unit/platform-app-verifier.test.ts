import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionStore } from "../../examples/platform-app/sessions.ts";
import { BACKCHANNEL_LOGOUT_EVENT, bearerToken, createLogoutTokenVerifier, latchkeyKeys, verifyAccessToken } from "../../examples/platform-app/tokens.ts";

// The example app's token checks against a JWKS served over HTTP, as Latchkey serves its own: the
// tokens Latchkey would sign pass, and every forgery or misuse of a real key is refused.

const ISSUER = "http://localhost:3000";
const CLIENT_ID = "platform-app-client";
const AUDIENCE = "http://127.0.0.1:4000/api";
const KID = "latchkey-signing-1";

let server: Server;
let keys: JWTVerifyGetKey;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicKeyPem: string;
let jwksRequests = 0;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair("RS256")).privateKey;
  publicKeyPem = await exportSPKI(pair.publicKey);
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: KID, alg: "RS256", use: "sig" }] });
  server = createServer((request, response) => {
    jwksRequests += 1;
    if (request.url !== "/oidc/jwks") return void response.writeHead(404).end();
    response.writeHead(200, { "content-type": "application/jwk-set+json" }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  keys = latchkeyKeys(`http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc/jwks`);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const now = () => Math.floor(Date.now() / 1000);

interface Forge {
  claims?: JWTPayload;
  typ?: string | null;
  kid?: string;
  key?: CryptoKey;
}

/** A token as Latchkey signs it (RS256, its kid), with the given changes. */
async function sign(claims: JWTPayload, { typ = "at+jwt", kid = KID, key }: Omit<Forge, "claims"> = {}): Promise<string> {
  const header = { alg: "RS256", kid, ...(typ === null ? {} : { typ }) };
  return new SignJWT(claims).setProtectedHeader(header).sign(key ?? signingKey);
}

function accessClaims(changes: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, aud: AUDIENCE, sub: "user-1", client_id: CLIENT_ID, scope: "company", company_id: "company-1", company_role: "manager", company_access: "grant", iat: now(), exp: now() + 300, jti: crypto.randomUUID(), ...changes };
}

function logoutClaims(changes: JWTPayload = {}): JWTPayload {
  return { iss: ISSUER, aud: CLIENT_ID, sub: "user-1", sid: "session-1", events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, iat: now(), exp: now() + 120, jti: crypto.randomUUID(), ...changes };
}

/** A JWT with `alg: none` and no signature, which a careless verifier takes at its word. */
function unsigned(header: Record<string, unknown>, claims: JWTPayload): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: "none", ...header })}.${part(claims)}.`;
}

/** The alg-confusion forgery: HS256 with the public key (which anyone can fetch) as the HMAC secret. */
async function hmacWithPublicKey(claims: JWTPayload, typ: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: KID, typ }).sign(new TextEncoder().encode(publicKeyPem));
}

describe("the example API's access-token check", () => {
  const verify = (token: string) => verifyAccessToken(token, { issuer: ISSUER, audience: AUDIENCE, keys });

  it("accepts an RS256 at+jwt for this API from Latchkey, and reads the acting company from it", async () => {
    const result = await verify(await sign(accessClaims()));
    expect(result).toMatchObject({ ok: true, claims: { sub: "user-1", company_id: "company-1", company_role: "manager", company_access: "grant" } });
  });

  it("accepts the media-type spelling of the type (application/at+jwt), which RFC 9068 allows", async () => {
    expect((await verify(await sign(accessClaims(), { typ: "application/at+jwt" }))).ok).toBe(true);
  });

  it.each([
    ["alg none", /ALG_NOT_ALLOWED/, () => unsigned({ typ: "at+jwt", kid: KID }, accessClaims())],
    ["an unknown kid (a key Latchkey never published)", /JWKS_NO_MATCHING_KEY/, () => sign(accessClaims(), { kid: "attacker-key", key: otherKey })],
    ["Latchkey's kid on a signature by another key", /SIGNATURE_VERIFICATION_FAILED/, () => sign(accessClaims(), { key: otherKey })],
    ["HS256 keyed with Latchkey's public key", /ALG_NOT_ALLOWED/, () => hmacWithPublicKey(accessClaims(), "at+jwt")],
    ["typ JWT (an ID token, say)", /"typ"/, () => sign(accessClaims(), { typ: "JWT" })],
    ["no typ", /"typ"/, () => sign(accessClaims(), { typ: null })],
    ["typ logout+jwt", /"typ"/, () => sign(accessClaims(), { typ: "logout+jwt" })],
    ["another API's audience", /"aud"/, () => sign(accessClaims({ aud: "https://other.example/api" }))],
    ["the client id as audience (an ID token's)", /"aud"/, () => sign(accessClaims({ aud: CLIENT_ID }))],
    ["another issuer", /"iss"/, () => sign(accessClaims({ iss: "http://localhost:3001" }))],
    ["the issuer with a trailing slash", /"iss"/, () => sign(accessClaims({ iss: `${ISSUER}/` }))],
    ["an expired token", /"exp" claim timestamp/, () => sign(accessClaims({ iat: now() - 600, exp: now() - 60 }))],
    ["no exp", /missing required "exp"/, () => sign(accessClaims({ exp: undefined }))],
    ["no sub", /missing required "sub"/, () => sign(accessClaims({ sub: undefined }))],
    ["no client_id", /missing required "client_id"/, () => sign(accessClaims({ client_id: undefined }))],
    ["a signature cut off", /SIGNATURE_VERIFICATION_FAILED/, async () => (await sign(accessClaims())).replace(/\.[^.]+$/, ".")],
    ["a payload changed after signing", /SIGNATURE_VERIFICATION_FAILED/, async () => {
      const [header, , signature] = (await sign(accessClaims())).split(".");
      return `${header}.${base64url.encode(JSON.stringify(accessClaims({ company_id: "company-2" })))}.${signature}`;
    }],
  ])("refuses %s", async (_name, reason, forge) => {
    expect(await verify(await forge())).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it("reads only a well-formed Bearer header", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    for (const header of [undefined, "", "Bearer", "Bearer ", "Basic abc", "bearer abc", "Bearer abc def", "Bearer abc\ndef"]) expect(bearerToken(header)).toBeNull();
  });

  it("fetched the keys over HTTP rather than trusting any key in the token", () => {
    expect(jwksRequests).toBeGreaterThan(0);
  });
});

describe("the example app's logout-token check (Back-Channel Logout 1.0 §2.6)", () => {
  const verifier = () => createLogoutTokenVerifier({ issuer: ISSUER, clientId: CLIENT_ID, keys });
  const logout = (claims: JWTPayload, typ = "logout+jwt") => sign(claims, { typ });

  it("accepts Latchkey's logout token once, and refuses the same token posted again", async () => {
    const verify = verifier();
    const token = await logout(logoutClaims());
    expect(await verify(token)).toMatchObject({ ok: true, claims: { sid: "session-1", sub: "user-1" } });
    expect(await verify(token)).toMatchObject({ ok: false, reason: "this logout token was already used" });
    // A new token for the same session (Latchkey's retry signs a fresh one) is fine.
    expect((await verify(await logout(logoutClaims()))).ok).toBe(true);
  });

  it("accepts a token naming only the user, or only the session", async () => {
    const verify = verifier();
    expect(await verify(await logout(logoutClaims({ sid: undefined })))).toMatchObject({ ok: true, claims: { sub: "user-1" } });
    const sidOnly = await verify(await logout(logoutClaims({ sub: undefined })));
    expect(sidOnly).toMatchObject({ ok: true, claims: { sid: "session-1" } });
    expect(sidOnly.ok && sidOnly.claims.sub).toBeFalsy();
  });

  it.each([
    ["a nonce (an ID token replayed here)", /must not contain a nonce/, () => logout(logoutClaims({ nonce: "n-0S6_WzA2Mj" }))],
    ["no events", /no back-channel logout event/, () => logout(logoutClaims({ events: undefined }))],
    ["events without the back-channel logout event", /no back-channel logout event/, () => logout(logoutClaims({ events: { "http://schemas.openid.net/event/other": {} } }))],
    ["the event as a string rather than an object", /no back-channel logout event/, () => logout(logoutClaims({ events: { [BACKCHANNEL_LOGOUT_EVENT]: "yes" } }))],
    ["neither sid nor sub", /neither sid nor sub/, () => logout(logoutClaims({ sid: undefined, sub: undefined }))],
    ["no jti (it could not be checked for replay)", /missing required "jti"/, () => logout(logoutClaims({ jti: undefined }))],
    ["no iat", /missing required "iat"/, () => logout(logoutClaims({ iat: undefined }))],
    ["an iat ten minutes old", /"iat" claim timestamp check failed \(too far in the past\)/, () => logout(logoutClaims({ iat: now() - 600, exp: now() + 60 }))],
    ["an iat in the future", /"iat" claim timestamp check failed \(it should be in the past\)/, () => logout(logoutClaims({ iat: now() + 600, exp: now() + 720 }))],
    ["an expired token", /"exp" claim timestamp/, () => logout(logoutClaims({ iat: now() - 100, exp: now() - 60 }))],
    ["another client's audience", /"aud"/, () => logout(logoutClaims({ aud: "another-client" }))],
    ["the API's audience", /"aud"/, () => logout(logoutClaims({ aud: AUDIENCE }))],
    ["another issuer", /"iss"/, () => logout(logoutClaims({ iss: "http://localhost:3001" }))],
    ["typ JWT", /"typ"/, () => logout(logoutClaims(), "JWT")],
    ["typ at+jwt (an access token is not a logout token)", /"typ"/, () => logout(logoutClaims(), "at+jwt")],
    ["alg none", /ALG_NOT_ALLOWED/, () => unsigned({ typ: "logout+jwt", kid: KID }, logoutClaims())],
    ["HS256 keyed with Latchkey's public key", /ALG_NOT_ALLOWED/, () => hmacWithPublicKey(logoutClaims(), "logout+jwt")],
    ["an unknown kid", /JWKS_NO_MATCHING_KEY/, () => sign(logoutClaims(), { typ: "logout+jwt", kid: "attacker-key", key: otherKey })],
    ["not a JWT at all", /JWS_INVALID/, async () => "logout"],
  ])("refuses %s", async (_name, reason, forge) => {
    expect(await verifier()(await forge())).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it("does not spend a jti on a token it refused", async () => {
    const verify = verifier();
    const jti = crypto.randomUUID();
    expect((await verify(await logout(logoutClaims({ jti, nonce: "x" })))).ok).toBe(false);
    expect((await verify(await logout(logoutClaims({ jti })))).ok).toBe(true);
  });
});

describe("the example app's sessions, ended by a logout token", () => {
  function signedIn(store: SessionStore, sub: string, sid: string | undefined, company: Record<string, string> = {}) {
    const session = store.start();
    session.user = { claims: { sub, ...company }, sid, idToken: "id", accessToken: "at", accessTokenExpiresAt: Date.now() + 60_000, refreshToken: "rt" };
    return session;
  }

  it("ends only the sign-in of the named Latchkey session when the token has a sid", () => {
    const store = new SessionStore();
    const laptop = signedIn(store, "user-1", "sid-laptop");
    const phone = signedIn(store, "user-1", "sid-phone");
    const someoneElse = signedIn(store, "user-2", "sid-laptop");
    expect(store.endSignIns({ sid: "sid-laptop", sub: "user-1" })).toBe(1);
    expect(laptop.user).toBeUndefined();
    expect(laptop.notice?.text).toMatch(/Latchkey ended your session/);
    expect(phone.user).toBeDefined();
    expect(someoneElse.user).toBeDefined();
  });

  it("ends every sign-in of the user when the token names only the user", () => {
    const store = new SessionStore();
    const laptop = signedIn(store, "user-1", "sid-laptop");
    const phone = signedIn(store, "user-1", "sid-phone");
    const someoneElse = signedIn(store, "user-2", "sid-other");
    expect(store.endSignIns({ sub: "user-1" })).toBe(2);
    expect([laptop.user, phone.user]).toEqual([undefined, undefined]);
    expect(someoneElse.user).toBeDefined();
  });

  it("remembers the linked company an ended sign-in acted in, so that the home page can offer it again (and Latchkey decide)", () => {
    const store = new SessionStore();
    const linked = signedIn(store, "user-1", "sid-1", { company_id: "company-2", company_name: "Oscorp Labs", company_access: "grant" });
    const own = signedIn(store, "user-1", "sid-2", { company_id: "company-1", company_name: "Stark Holdings", company_access: "member" });
    expect(store.endSignIns({ sub: "user-1" })).toBe(2);
    expect(linked.lastCompany).toEqual({ id: "company-2", name: "Oscorp Labs" });
    expect(own.lastCompany).toBeUndefined();
  });
});
