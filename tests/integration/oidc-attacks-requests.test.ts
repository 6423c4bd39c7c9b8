import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { companies, managementGrants, users } from "../../src/db/schema.ts";
import { unlinkCompany } from "../../src/features/linked-companies/link-company.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, signIn, type SeedCompany, type SeedUser } from "../support/factories.ts";
import { APP_ORIGIN, APP_REDIRECT, authorizationRequest, registerClient, signInThroughBrowser, type RegisteredClient } from "../support/oidc.ts";
import { auditRowsOf } from "../support/password-reset.ts";
import {
  codeFor,
  countPayloads,
  exchangeCode,
  expectErrorPage,
  expectOAuthError,
  failOnServerErrors,
  providerRequest,
  refresh,
  tokenRequest,
  userinfo,
  watchIssued,
  type ProviderRequest,
  type RawReply,
} from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const SPA_ORIGIN = "https://spa.example.test";
const SPA_REDIRECT = `${SPA_ORIGIN}/callback`;

let t: TestApp;
let appA: RegisteredClient;
let spa: RegisteredClient;

beforeAll(async () => {
  t = await startTestApp({ smtp: false, worker: false });
  appA = await registerClient(t);
  spa = await registerClient(t, { name: "Single-page app", public: true, redirectUris: [SPA_REDIRECT], postLogoutRedirectUris: [], resources: [] });
});
afterAll(() => t?.close());
failOnServerErrors(() => [t]);

describe("a linked company asked for without authority", () => {
  let parent: SeedCompany;
  let linked: SeedCompany;
  let noGrant: SeedCompany;
  let revoked: SeedCompany;
  let unlinked: SeedCompany;
  let deleted: SeedCompany;
  let otherParents: SeedCompany;
  /** A manager of the parent holding a grant for `linked` only, the parent's administrator, and a plain user. */
  const browsers = new Map<string, TestClient>();
  let manager: SeedUser;
  let administrator: SeedUser;
  let plainUser: SeedUser;

  const multiCompany = async (name: string) => {
    const company = await createCompany(t.deps, { name });
    await t.deps.db.update(companies).set({ isMultiCompany: true }).where(eq(companies.id, company.id));
    return company;
  };
  const grant = (member: SeedUser, company: SeedCompany) => t.deps.db.insert(managementGrants).values({ teamMemberId: member.id, companyId: company.id });

  beforeAll(async () => {
    parent = await multiCompany("Agency");
    [linked, noGrant, revoked, unlinked, deleted] = await Promise.all(
      ["Client linked", "Client no grant", "Client revoked", "Client unlinked", "Client deleted"].map((name) => createCompany(t.deps, { name, parentId: parent.id })),
    ) as [SeedCompany, SeedCompany, SeedCompany, SeedCompany, SeedCompany];
    const otherParent = await multiCompany("Other agency");
    otherParents = await createCompany(t.deps, { name: "Other agency's client", parentId: otherParent.id });

    manager = await createUser(t.deps, parent, { role: "manager" });
    administrator = await createUser(t.deps, parent, { role: "administrator" });
    plainUser = await createUser(t.deps, parent, { role: "user" });
    for (const company of [linked, revoked, unlinked, deleted]) await grant(manager, company);
    await grant(plainUser, linked);
    // Each authority taken away the way the product takes it away.
    const admin = await signIn(t, administrator);
    expect((await admin.delete(`/api/v1/users/${manager.id}/managed-companies/${revoked.id}`)).status).toBe(200);
    expect((await unlinkCompany(t.deps.db, t.deps.jobs, { childId: unlinked.id, now: t.clock.now() })).ok).toBe(true);
    await t.deps.db.update(companies).set({ deletedAt: t.clock.now() }).where(eq(companies.id, deleted.id));
    browsers.set(administrator.id, admin);
    for (const user of [manager, plainUser]) browsers.set(user.id, await signIn(t, user));
  });

  const browserOf = (user: SeedUser) => (browsers.get(user.id) as TestClient).clone();

  async function refusals(user: SeedUser) {
    return (await auditRowsOf(t, "oidc.authorization_refused")).filter((row) => row.targetUserId === user.id).length;
  }

  /** Through the sign-in page to the application: it gets access_denied and its state, and nothing is issued. */
  async function expectDenied(user: SeedUser, company: string, chosen?: string) {
    const before = await refusals(user);
    const issued = await watchIssued(t);
    const authorization = await authorizationRequest(appA, { company });
    const { callback, continueReply } = await signInThroughBrowser(browserOf(user), authorization, chosen ? { companyId: chosen } : {});
    expect(continueReply?.status, JSON.stringify(continueReply?.body)).toBe(200);
    expect(callback?.origin + (callback?.pathname ?? "")).toBe(APP_REDIRECT);
    expect(Object.fromEntries(callback?.searchParams ?? [])).toMatchObject({ error: "access_denied", state: authorization.state });
    expect(callback?.searchParams.has("code")).toBe(false);
    expect(await issued()).toEqual([]);
    expect(await refusals(user)).toBe(before + 1);
  }

  it("signs the manager in to the company their grant covers (the refusals below are about authority)", async () => {
    const authorization = await authorizationRequest(appA, { company: linked.id });
    const { callback } = await signInThroughBrowser(browserOf(manager), authorization);
    const reply = await exchangeCode(t, appA, { code: callback?.searchParams.get("code") ?? "", authorization, redirectUri: APP_REDIRECT });
    expect(reply.status).toBe(200);
  });

  it.each([
    ["a manager without a grant for it", () => manager, () => noGrant.id],
    ["a manager whose grant was revoked", () => manager, () => revoked.id],
    ["a company of another parent", () => manager, () => otherParents.id],
    ["the other parent's company, asked by this parent's administrator", () => administrator, () => otherParents.id],
    ["a company un-linked from the parent", () => manager, () => unlinked.id],
    ["a deleted company, asked by the parent's administrator", () => administrator, () => deleted.id],
    ["a deleted company, asked by a grant holder", () => manager, () => deleted.id],
    ["a company that does not exist", () => manager, () => randomUUID()],
    ["a user-role member holding a grant row", () => plainUser, () => linked.id],
    ["the id in upper case, of a company without a grant", () => manager, () => noGrant.id.toUpperCase()],
  ])("refuses %s with access_denied at the application, audited, nothing issued", async (_label, user, company) => {
    await expectDenied(user(), company());
  });

  it("refuses, through the picker, a company that is not on it", async () => {
    await expectDenied(manager, "select", noGrant.id);
  });

  it("ignores a company slipped into the continue call of a request that did not ask for one, and takes an empty company as none", async () => {
    // RFC 6749 section 3.1: a parameter sent without a value is as if omitted.
    const authorization = await authorizationRequest(appA, { company: "" });
    const { callback } = await signInThroughBrowser(browserOf(manager), authorization, { companyId: linked.id });
    const reply = await exchangeCode(t, appA, { code: callback?.searchParams.get("code") ?? "", authorization, redirectUri: APP_REDIRECT });
    expect(JSON.parse(Buffer.from(String(reply.json?.id_token).split(".")[1] ?? "", "base64url").toString())).toMatchObject({ company_id: parent.id, company_access: "member" });
  });

  it.each([
    ["twice", (id: string) => [id, id]],
    ["twice, two companies", (id: string) => [id, linked.id]],
    ["without the scope company", (id: string) => id, "openid email"],
    ["not a uuid", () => "not-a-company"],
    ["a uuid with a trailing newline", (id: string) => `${id}\n`],
    ["a uuid with braces", (id: string) => `{${id}}`],
    ["a uuid with a path in front", (id: string) => `../${id}`],
    ["two uuids in one value", (id: string) => `${id},${id}`],
    ["a JSON array", (id: string) => JSON.stringify([id])],
    ["a NUL byte", (id: string) => `${id}\u0000`],
    ["a very long value", () => "a".repeat(5_000)],
    ["'select' with a space", () => "select "],
  ] as Array<[string, (id: string) => string | string[], string?]>)("refuses company %s with invalid_request before any sign-in page", async (_label, value, scope) => {
    const interactions = await countPayloads(t, "Interaction");
    const issued = await watchIssued(t);
    const { url, state } = await authorizationRequest(appA, scope ? { scope } : {});
    for (const v of ([] as string[]).concat(value(linked.id))) url.searchParams.append("company", v);
    const reply = await browserOf(manager).get(url.pathname + url.search);
    const location = new URL(String(reply.headers.location));
    expect(location.origin + location.pathname).toBe(APP_REDIRECT);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: "invalid_request", state });
    expect(await countPayloads(t, "Interaction")).toBe(interactions);
    expect(await issued()).toEqual([]);
  });

  it("refuses any company value that is neither a company id nor select (property)", async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const value = fc
      .oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.uuid().chain((id) => fc.string({ maxLength: 3 }).map((junk) => `${junk}${id}${junk ? "" : " "}`)), fc.constantFrom("SELECT ", "selec", "select\u0000", "null", "undefined", "0", "-1", "[]", "{}"))
      .filter((v) => v.length > 0 && !uuid.test(v) && v.toLowerCase() !== "select");
    const interactions = await countPayloads(t, "Interaction");
    await fc.assert(
      fc.asyncProperty(value, async (company) => {
        const { url } = await authorizationRequest(appA, { company });
        const reply = await providerRequest(t, { url: url.pathname + url.search });
        const location = new URL(String(reply.headers.location));
        expect(location.origin + location.pathname, company).toBe(APP_REDIRECT);
        expect(location.searchParams.get("error"), company).toBe("invalid_request");
      }),
      { numRuns: 60 },
    );
    expect(await countPayloads(t, "Interaction")).toBe(interactions);
  });
});

async function consumed(model: string, id: string): Promise<boolean> {
  const [row] = await queryRows<{ consumed: boolean }>(t.deps.db, sql`select consumed_at is not null as consumed from oidc_payloads where model = ${model} and id = ${id}`);
  if (!row) throw new Error(`no ${model} row`);
  return row.consumed;
}

describe("CORS from an origin the client did not register", () => {
  let browser: TestClient;
  let spaTokens: { access_token: string; refresh_token: string };
  let appTokens: { access_token: string };

  beforeAll(async () => {
    browser = await signIn(t, await createUser(t.deps, await createCompany(t.deps), { role: "user" }));
    const code = await codeFor(browser.clone(), spa, { redirect_uri: SPA_REDIRECT });
    spaTokens = (await exchangeCode(t, spa, code)).json as typeof spaTokens;
    appTokens = (await exchangeCode(t, appA, await codeFor(browser.clone(), appA))).json as typeof appTokens;
  });

  const refused = (reply: RawReply) => {
    expectOAuthError(reply, 400, "invalid_request");
    expect(reply.headers["access-control-allow-origin"]).toBeUndefined();
  };
  const FOREIGN = [["an unregistered origin", "https://evil.example"], ["the null origin", "null"], ["another client's origin", APP_ORIGIN], ["the SPA's origin over http", "http://spa.example.test"]];

  it.each(FOREIGN)("refuses the token endpoint to %s, before the refresh token or the code is looked at", async (_label, origin) => {
    const code = await codeFor(browser.clone(), spa, { redirect_uri: SPA_REDIRECT });
    const issued = await watchIssued(t);
    refused(await providerRequest(t, { url: "/oidc/token", headers: { origin }, form: { grant_type: "refresh_token", refresh_token: spaTokens.refresh_token, client_id: spa.clientId } }));
    refused(
      await providerRequest(t, {
        url: "/oidc/token",
        headers: { origin },
        form: { grant_type: "authorization_code", code: code.code, redirect_uri: SPA_REDIRECT, code_verifier: code.authorization.verifier, client_id: spa.clientId },
      }),
    );
    expect(await issued()).toEqual([]);
    expect(await consumed("RefreshToken", spaTokens.refresh_token)).toBe(false);
    expect(await consumed("AuthorizationCode", code.code)).toBe(false);
  });

  it.each(FOREIGN)("refuses userinfo to %s", async (_label, origin) => {
    refused(await userinfo(t, spaTokens.access_token, { origin }));
  });

  it("refuses the token endpoint to a confidential client's own origin: only a public client may be called from a browser", async () => {
    const code = await codeFor(browser.clone(), appA);
    const issued = await watchIssued(t);
    const reply = await providerRequest(t, {
      url: "/oidc/token",
      basic: appA,
      headers: { origin: APP_ORIGIN },
      form: { grant_type: "authorization_code", code: code.code, redirect_uri: APP_REDIRECT, code_verifier: code.authorization.verifier },
    });
    refused(reply);
    expect(await issued()).toEqual([]);
  });

  it("allows the public client's registered origin, and userinfo from a client's own origin", async () => {
    const reply = await refresh(t, spa, spaTokens.refresh_token);
    expect(reply.status).toBe(200);
    const fromSpa = await providerRequest(t, { url: "/oidc/token", headers: { origin: SPA_ORIGIN }, form: { grant_type: "refresh_token", refresh_token: String(reply.json?.refresh_token), client_id: spa.clientId } });
    expect(fromSpa.status).toBe(200);
    expect(fromSpa.headers["access-control-allow-origin"]).toBe(SPA_ORIGIN);
    const info = await userinfo(t, String(fromSpa.json?.access_token), { origin: SPA_ORIGIN });
    expect(info.status).toBe(200);
    expect(info.headers["access-control-allow-origin"]).toBe(SPA_ORIGIN);
    const appInfo = await userinfo(t, appTokens.access_token, { origin: APP_ORIGIN });
    expect(appInfo.headers["access-control-allow-origin"]).toBe(APP_ORIGIN);
    refused(await userinfo(t, appTokens.access_token, { origin: SPA_ORIGIN }));
  });
});

const LONG = "a".repeat(60 * 1024);
const FORM = { "content-type": "application/x-www-form-urlencoded" };
/** Hostile shapes of one request: each is sent to every endpoint, as query and as body. */
const MALFORMED: Array<{ label: string; query?: string; body?: string | Buffer; headers?: Record<string, string> }> = [
  { label: "duplicated parameters", query: "client_id=a&client_id=b&response_type=code&response_type=code&id_token_hint=x&id_token_hint=y", body: "client_id=a&client_id=b&grant_type=refresh_token&grant_type=authorization_code&token=x&token=y" },
  { label: "bracketed arrays", query: "client_id[]=a&client_id[]=b&scope[0]=openid", body: "client_id[]=a&grant_type[]=refresh_token&token[0]=x" },
  { label: "a JSON body with arrays and objects", body: JSON.stringify({ client_id: ["a", "b"], grant_type: ["refresh_token"], token: { $ne: null } }), headers: { "content-type": "application/json" } },
  { label: "a JSON body that does not parse", body: '{"client_id":', headers: { "content-type": "application/json" } },
  { label: "a 60 KiB body", body: `grant_type=refresh_token&client_id=${LONG}` },
  { label: "a 60 KiB query", query: `client_id=${LONG}&id_token_hint=${LONG}` },
  { label: "a text/plain body", body: "grant_type=refresh_token&refresh_token=x", headers: { "content-type": "text/plain" } },
  { label: "a multipart body", body: '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nrefresh_token\r\n--x--\r\n', headers: { "content-type": "multipart/form-data; boundary=x" } },
  { label: "an unknown charset", body: "grant_type=refresh_token&refresh_token=x", headers: { "content-type": "application/x-www-form-urlencoded; charset=x-bogus" } },
  { label: "a UTF-16 body", body: Buffer.from("grant_type=refresh_token&refresh_token=x", "utf16le"), headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-16le" } },
  { label: "bad percent-encoding", query: "client_id=%zz&redirect_uri=%E0%A4%A&state=%&nonce=%C0%AE%FF", body: "grant_type=%zz&refresh_token=%E0%A4%A&client_id=%&token=%C0%AE" },
  {
    label: "control characters",
    query: "client_id=%00%01&state=%1B%5B31m&redirect_uri=https://app.example.test/callback%0D%0ALocation:%20https://evil.example",
    body: "grant_type=refresh%00token&client_id=%0D%0Aa&token=\u0001\u0002&refresh_token=%00",
  },
  { label: "a malformed Basic header", body: "grant_type=refresh_token&refresh_token=x&token=x", headers: { authorization: "Basic !!!not-base64" } },
  { label: "Basic without a colon", body: "grant_type=refresh_token&refresh_token=x&token=x", headers: { authorization: `Basic ${Buffer.from("no-colon").toString("base64")}` } },
  { label: "Basic with bad percent-encoding", body: "grant_type=refresh_token&refresh_token=x&token=x", headers: { authorization: `Basic ${Buffer.from("%zz:%E0%A4").toString("base64")}` } },
  { label: "a Bearer header with spaces", headers: { authorization: "Bearer a b c" } },
  { label: "a token in the header and the query", query: "access_token=x", headers: { authorization: "Bearer x" } },
];

describe("malformed input at every provider endpoint", () => {
  /**
   * api: JSON OAuth errors; page: the browser's endpoints (the error page); lenient: published
   * documents and pages that ignore parameters they do not read; unknown: no such endpoint (404).
   */
  const ENDPOINTS: Array<{ method: NonNullable<ProviderRequest["method"]>; path: string; kind: "api" | "page" | "lenient" | "unknown" }> = [
    { method: "GET", path: "/oidc/auth", kind: "page" },
    // POST to the authorization endpoint stays off (it needs SameSite=None cookies, decision 0027 section 10).
    { method: "POST", path: "/oidc/auth", kind: "unknown" },
    { method: "GET", path: "/oidc/auth/not-an-interaction", kind: "page" },
    { method: "POST", path: "/oidc/token", kind: "api" },
    { method: "POST", path: "/oidc/token/introspection", kind: "api" },
    { method: "POST", path: "/oidc/token/revocation", kind: "api" },
    { method: "GET", path: "/oidc/me", kind: "api" },
    { method: "POST", path: "/oidc/me", kind: "api" },
    { method: "GET", path: "/oidc/session/end", kind: "lenient" },
    { method: "POST", path: "/oidc/session/end", kind: "unknown" },
    { method: "POST", path: "/oidc/session/end/confirm", kind: "page" },
    { method: "GET", path: "/oidc/session/end/success", kind: "lenient" },
    { method: "GET", path: "/oidc/jwks", kind: "lenient" },
    { method: "GET", path: "/.well-known/openid-configuration", kind: "lenient" },
    { method: "POST", path: "/oidc/reg", kind: "unknown" },
    { method: "POST", path: "/oidc/request", kind: "unknown" },
    { method: "POST", path: "/oidc/device/auth", kind: "unknown" },
    { method: "PUT", path: "/oidc/token", kind: "unknown" },
    { method: "DELETE", path: "/oidc/me", kind: "unknown" },
  ];

  it.each(ENDPOINTS)("$method $path answers a 4xx, never a 500 nor a token", async ({ method, path, kind }) => {
    const issued = await watchIssued(t);
    for (const variant of MALFORMED) {
      const body = method === "GET" ? undefined : variant.body;
      const reply = await providerRequest(t, { method, url: variant.query ? `${path}?${variant.query}` : path, ...(body !== undefined ? { form: body } : {}), headers: { ...(body !== undefined ? FORM : {}), ...variant.headers } });
      const label = `${method} ${path} with ${variant.label}: ${reply.status} ${reply.text.slice(0, 300)}`;
      expect(reply.status, label).toBeLessThan(500);
      expect(reply.text, label).not.toMatch(/"(access_token|refresh_token|id_token)"\s*:/);
      if (kind === "lenient" && reply.status === 200) {
        // Input it does not read, ignored: its own page, going nowhere.
        expect(reply.headers.location, label).toBeUndefined();
        continue;
      }
      expect(reply.status, label).toBeGreaterThanOrEqual(400);
      if (kind === "unknown") continue;
      if (reply.json) expect(typeof reply.json.error, label).toBe("string");
      else expect(reply.text, label).toMatch(/<code>[a-z_]+<\/code>/);
      expect(reply.headers.location, label).toBeUndefined();
    }
    expect(await issued()).toEqual([]);
  });
});

describe("generated input at the provider's endpoints (property)", () => {
  const NAMES = ["client_id", "client_secret", "grant_type", "code", "code_verifier", "redirect_uri", "refresh_token", "token", "token_type_hint", "scope", "state", "nonce", "response_type", "response_mode", "code_challenge", "code_challenge_method", "id_token_hint", "post_logout_redirect_uri", "prompt", "max_age", "resource", "company", "access_token", "request", "request_uri", "claims", "xsrf", "logout"];
  it("answers whatever a client sends with a 4xx (or a page that ignores it), never a 500 nor a token", async () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom("", "\u0000", "%", "%zz", "a".repeat(300), "https://evil.example/", appA.clientId, "S256", "plain", "refresh_token", "authorization_code", "openid company", "select"));
    const params = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), fc.string({ minLength: 1, maxLength: 12 })), text), { maxLength: 8 });
    const endpoint = fc.constantFrom(
      ["GET", "/oidc/auth"],
      ["POST", "/oidc/token"],
      ["POST", "/oidc/token/introspection"],
      ["POST", "/oidc/token/revocation"],
      ["GET", "/oidc/me"],
      ["POST", "/oidc/me"],
      ["GET", "/oidc/session/end"],
      ["POST", "/oidc/session/end/confirm"],
      ["GET", "/oidc/session/end/success"],
    ) as fc.Arbitrary<[NonNullable<ProviderRequest["method"]>, string]>;
    const auth = fc.option(fc.oneof(fc.constant(`Basic ${Buffer.from(`${appA.clientId}:${appA.clientSecret}`).toString("base64")}`), fc.string({ maxLength: 30 }).map((v) => `Basic ${Buffer.from(v).toString("base64")}`), fc.string({ maxLength: 30 }).filter((v) => !/[\u0000-\u001f\u007f-\uffff]/.test(v)).map((v) => `Bearer ${v}`)));
    const issued = await watchIssued(t);
    await fc.assert(
      fc.asyncProperty(endpoint, params, fc.boolean(), auth, async ([method, path], pairs, inBody, authorization) => {
        const encoded = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
        const body = method === "POST" && inBody ? encoded : undefined;
        const url = body === undefined && encoded ? `${path}?${encoded}` : path;
        const reply = await providerRequest(t, { method, url, ...(body !== undefined ? { form: body } : {}), headers: authorization ? { authorization } : {} });
        const label = `${method} ${url} ${body ?? ""}: ${reply.status} ${reply.text.slice(0, 200)}`;
        expect(reply.status, label).toBeLessThan(500);
        expect(reply.text, label).not.toMatch(/"(access_token|refresh_token|id_token)"\s*:/);
        if (reply.status >= 400 && reply.json) expect(typeof reply.json.error, label).toBe("string");
        if (reply.status >= 300 && reply.status < 400) {
          // A redirect goes back into Latchkey or to the client's registered URI, never elsewhere.
          const location = String(reply.headers.location);
          expect(location.startsWith("/") || location.startsWith(`${t.config.publicUrl}/`) || location.startsWith(`${APP_REDIRECT}?`), label).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    expect(await issued()).toEqual([]);
  });
});

describe("control characters in values the provider looks up", () => {
  // PostgreSQL refuses a NUL in text: a value that reached a statement would be a 500 everywhere.
  it.each([
    ["a refresh token", () => tokenRequest(t, appA, { grant_type: "refresh_token", refresh_token: "a\u0000b" }), 400, "invalid_grant"],
    ["a code", () => tokenRequest(t, appA, { grant_type: "authorization_code", code: "a\u0000b", redirect_uri: APP_REDIRECT, code_verifier: "a".repeat(43) }), 400, "invalid_grant"],
    ["an access token at userinfo", () => providerRequest(t, { url: "/oidc/me", form: { access_token: "a\u0000b" } }), 401, "invalid_token"],
    ["a client_id at the token endpoint", () => providerRequest(t, { url: "/oidc/token", form: { grant_type: "refresh_token", refresh_token: "x", client_id: "a\u0000b", client_secret: "x" } }), 401, "invalid_client"],
    ["a client_id at end_session", () => providerRequest(t, { url: "/oidc/session/end?client_id=a%00b" }), 400, "invalid_client"],
    ["a client_id with a line break", () => providerRequest(t, { url: "/oidc/session/end?client_id=a%0D%0Ab" }), 400, "invalid_client"],
  ] as Array<[string, () => Promise<RawReply>, number, string]>)("refuses %s holding a NUL like any unknown value", async (_label, send, status, error) => {
    expectOAuthError(await send(), status, error);
  });

  it("keeps a NUL in an end-session request's state without a server error (jsonb cannot hold one; found by the property below)", async () => {
    const issued = await watchIssued(t);
    for (const url of ["/oidc/session/end?state=%00", "/oidc/session/end?state=a%00b&ui_locales=%00"]) {
      const reply = await providerRequest(t, { method: "GET", url });
      expect(reply.status, url).toBe(200);
    }
    expect(await issued()).toEqual([]);
  });

  it("answers introspection and revocation of such a token as of any unknown token (RFC 7662, RFC 7009)", async () => {
    const introspection = await providerRequest(t, { url: "/oidc/token/introspection", basic: appA, form: { token: "a\u0000b" } });
    expect({ status: introspection.status, body: introspection.json }).toEqual({ status: 200, body: { active: false } });
    expect((await providerRequest(t, { url: "/oidc/token/revocation", basic: appA, form: { token: "a\u0000b" } })).status).toBe(200);
  });

  it("refuses a client_id holding a NUL at the authorization endpoint with the error page", async () => {
    const { url } = await authorizationRequest(appA);
    url.searchParams.set("client_id", `${appA.clientId}\u0000`);
    expectErrorPage(await providerRequest(t, { url: url.pathname + url.search }), "invalid_client");
  });
});

/** One request over a real socket: the raw path reaches the app as written (app.inject would normalise it). */
function overSocket(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers: { ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let json: Record<string, unknown> | null = null;
        try {
          json = String(res.headers["content-type"]).includes("json") ? JSON.parse(text) : null;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("provider paths spelt otherwise", () => {
  let port: number;
  let member: SeedUser;
  let session: TestClient;

  beforeAll(async () => {
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    member = await createUser(t.deps, await createCompany(t.deps), { role: "manager", name: "Original Name" });
    session = await signIn(t, member);
  });

  /** Latchkey's error envelope ({ error: { code } }), never the provider's ({ error: "…" }). */
  const latchkeys = (reply: RawReply) => typeof reply.json?.error === "object" && reply.json.error !== null;
  const providers = (reply: RawReply) => typeof reply.json?.error === "string";

  it.each(["/%6Fidc/token", "/%6fidc/token", "/%4F%49%44%43/token", "/oidc%2Ftoken", "/%2Foidc/token", "/.well-known/%6Fpenid-configuration"])(
    "treats %s as Latchkey's: a write without the CSRF token is refused there, never handed to the provider",
    async (path) => {
      const reply = await overSocket(port, "POST", path, { "content-type": "application/x-www-form-urlencoded", cookie: session.cookieHeader() }, `grant_type=refresh_token&refresh_token=x&client_id=${appA.clientId}`);
      expect(reply.status, reply.text).toBe(403);
      expect(latchkeys(reply), reply.text).toBe(true);
      const read = await overSocket(port, "GET", path);
      expect(providers(read), read.text).toBe(false);
      expect(read.status).not.toBe(500);
    },
  );

  it.each(["/OIDC/token", "/Oidc/Token", "/oidc/token/", "/OIDC/TOKEN/"])("hands %s to the provider, which answers as at /oidc/token", async (path) => {
    const reply = await overSocket(port, "POST", path, { "content-type": "application/x-www-form-urlencoded" }, `grant_type=refresh_token&refresh_token=x&client_id=${appA.clientId}`);
    expectOAuthError(reply, 401, "invalid_client");
  });

  it.each([
    ["PATCH", "/oidc/../api/v1/account"],
    ["PATCH", "/oidc/%2e%2e/api/v1/account"],
    ["PATCH", "/OIDC/../api/v1/account"],
    ["PATCH", "/oidc//../api/v1/account"],
    ["PATCH", "/oidc/./../api/v1/account"],
    ["POST", "/oidc/../api/v1/auth/logout"],
    ["POST", "/oidc//token"],
  ])("keeps %s %s away from Latchkey's handlers: the provider's answer, the session untouched", async (method, path) => {
    const reply = await overSocket(port, method, path, { "content-type": "application/json", cookie: session.cookieHeader() }, JSON.stringify({ name: "Renamed By A Forgery" }));
    expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
    expect(reply.status, reply.text).toBeLessThan(500);
    expect(latchkeys(reply), reply.text).toBe(false);
    const me = await session.get("/api/v1/auth/me");
    expect(me.status).toBe(200);
    const [row] = await t.deps.db.select({ name: users.name }).from(users).where(and(eq(users.id, member.id), eq(users.status, "active")));
    expect(row?.name).toBe("Original Name");
  });

  it("still exempts nothing else: the same writes spelt plainly are refused for want of the CSRF token", async () => {
    const reply = await overSocket(port, "PATCH", "/api/v1/account", { "content-type": "application/json", cookie: session.cookieHeader() }, JSON.stringify({ name: "Renamed By A Forgery" }));
    expect(reply.status).toBe(403);
    expect(latchkeys(reply)).toBe(true);
  });
});
