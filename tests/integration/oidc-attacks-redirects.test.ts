import { domainToASCII } from "node:url";
import fc from "fast-check";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { APP_API, APP_ORIGIN, APP_REDIRECT, authorizationRequest, interactionUid, registerClient, type RegisteredClient } from "../support/oidc.ts";
import { codeFor, countPayloads, exchangeCode, expectErrorPage, failOnServerErrors, NAVIGATION, providerRequest, watchIssued } from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const OTHER_REDIRECT = "https://other.example.test/callback";
const OTHER_LOGOUT = "https://other.example.test/bye";
const APP_LOGOUT = `${APP_ORIGIN}/`;
/** app.example.test with a Cyrillic "а": the same to the eye, another host. */
const TWIN_HOST = "\u0430pp.example.test";

let t: TestApp;
let appA: RegisteredClient;
let appB: RegisteredClient;
let signedIn: TestClient;

beforeAll(async () => {
  t = await startTestApp({ smtp: false, worker: false });
  appA = await registerClient(t);
  appB = await registerClient(t, { name: "Other app", redirectUris: [OTHER_REDIRECT], postLogoutRedirectUris: [OTHER_LOGOUT] });
  signedIn = await signIn(t, (await createCompanyWithUsers(t.deps)).users.user);
});
afterAll(() => t?.close());
failOnServerErrors(() => [t, trusting]);

/** Small edits of a registered URI (insert, delete, replace, flip a letter's case, percent-encode a character): none of them is it. */
function mutationsOf(registered: string): fc.Arbitrary<string> {
  const at = (i: number) => i % (registered.length + 1);
  const pieces = fc.oneof(
    fc.constantFrom("/", ".", "..", "@", ":", ":443", "%", "%2F", "%2e", "#", "?", "\\", " ", "\t", "evil.example", "@evil.example", "%00", "\u0430", "\u200b", "A"),
    fc.string({ minLength: 1, maxLength: 3 }),
  );
  return fc
    .oneof(
      fc.tuple(fc.nat(), pieces).map(([i, piece]) => registered.slice(0, at(i)) + piece + registered.slice(at(i))),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 4 })).map(([i, n]) => registered.slice(0, at(i)) + registered.slice(at(i) + n)),
      fc.tuple(fc.nat(), pieces).map(([i, piece]) => registered.slice(0, at(i)) + piece + registered.slice(at(i) + 1)),
      fc.nat().map((n) => {
        const i = n % registered.length;
        const c = registered.charAt(i);
        const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
        return registered.slice(0, i) + swapped + registered.slice(i + 1);
      }),
      fc.nat().map((n) => {
        const i = n % registered.length;
        return `${registered.slice(0, i)}%${registered.charCodeAt(i).toString(16).padStart(2, "0")}${registered.slice(i + 1)}`;
      }),
    )
    .filter((uri) => uri !== registered && uri.length > 0);
}

const pathOf = (url: string | URL) => {
  const parsed = new URL(String(url), t.config.publicUrl);
  return parsed.pathname + parsed.search;
};

/**
 * An authorization request for client A, valid in every other way, to `redirectUri`: the provider
 * must answer with its own page, and send the browser nowhere — least of all to that URI.
 */
async function expectRedirectRefused(redirectUri: string, browser: TestClient = t.client()) {
  const interactions = await countPayloads(t, "Interaction");
  const issued = await watchIssued(t);
  const { url } = await authorizationRequest(appA, { redirect_uri: redirectUri });
  const reply = await browser.get(pathOf(url), NAVIGATION);
  expectErrorPage(reply, "invalid_redirect_uri");
  expect(String(reply.body)).not.toContain("evil.example");
  expect(await countPayloads(t, "Interaction")).toBe(interactions);
  expect(await issued()).toEqual([]);
}

describe("a redirect URI that is not exactly a registered one", () => {
  it.each([
    ["a trailing slash", `${APP_REDIRECT}/`],
    ["another port", "https://app.example.test:8443/callback"],
    ["the default port spelt out", "https://app.example.test:443/callback"],
    ["the host in other case", "https://APP.example.test/callback"],
    ["the path in other case", "https://app.example.test/Callback"],
    ["the scheme in other case", "HTTPS://app.example.test/callback"],
    ["an extra path segment", `${APP_REDIRECT}/more`],
    ["a dot-dot segment", "https://app.example.test/x/../callback"],
    ["an encoded dot-dot segment", "https://app.example.test/x/%2e%2e/callback"],
    ["user-info naming the app before another host", "https://app.example.test@evil.example/callback"],
    ["user-info on the app's own host", "https://evil.example@app.example.test/callback"],
    ["a percent-encoded letter", "https://app.example.test/%63allback"],
    ["a percent-encoded slash", "https://app.example.test%2Fcallback"],
    ["a fragment", `${APP_REDIRECT}#fragment`],
    ["an empty fragment", `${APP_REDIRECT}#`],
    ["an added query", `${APP_REDIRECT}?next=https://evil.example/`],
    ["an empty query", `${APP_REDIRECT}?`],
    ["http for https", "http://app.example.test/callback"],
    ["the host with a trailing dot", "https://app.example.test./callback"],
    ["the app's host as a subdomain of another", "https://app.example.test.evil.example/callback"],
    ["a punycode twin", `https://${domainToASCII(TWIN_HOST)}/callback`],
    ["the twin in Unicode", `https://${TWIN_HOST}/callback`],
    ["a backslash for a slash", "https://app.example.test\\callback"],
    ["surrounding white space", ` ${APP_REDIRECT} `],
    ["another client's registered URI", OTHER_REDIRECT],
    ["javascript:", "javascript:alert(document.domain)//app.example.test/callback"],
    ["a protocol-relative URI", "//app.example.test/callback"],
  ])("refuses %s with the provider's page and no redirect", async (_label, redirectUri) => {
    await expectRedirectRefused(redirectUri);
  });

  it("refuses it for a signed-in user too, before any sign-in page", async () => {
    await expectRedirectRefused(`${APP_REDIRECT}/`, signedIn.clone());
  });

  it("refuses every mutation of the registered URI (property)", async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(APP_REDIRECT), async (redirectUri) => {
        await expectRedirectRefused(redirectUri);
      }),
      { numRuns: 80 },
    );
  });
});

describe("post_logout_redirect_uri never leads outside the client's list", () => {
  let browser: TestClient;
  let idToken: string;

  beforeAll(async () => {
    browser = signedIn.clone();
    idToken = ((await exchangeCode(t, appA, await codeFor(browser, appA))).json as { id_token: string }).id_token;
  });

  const endSession = (params: Record<string, string>, who = browser) => who.get(`/oidc/session/end?${new URLSearchParams(params)}`, NAVIGATION);

  /** The sign-out question's form, and what confirming it answers. */
  async function confirm(page: { body: unknown }, who = browser) {
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(String(page.body))?.[1];
    expect(xsrf, "the sign-out question carries the provider's xsrf secret").toBeTruthy();
    expect(String(page.body)).toContain(`action="${t.config.publicUrl}/oidc/session/end/confirm"`);
    return who.request("POST", "/oidc/session/end/confirm", new URLSearchParams({ xsrf: xsrf ?? "", logout: "yes" }).toString(), { "content-type": "application/x-www-form-urlencoded", ...NAVIGATION });
  }

  const refused = [
    ["unregistered", "https://evil.example/"],
    ["without the trailing slash", APP_ORIGIN],
    ["an extra path", `${APP_LOGOUT}logout`],
    ["the default port spelt out", "https://app.example.test:443/"],
    ["the host in other case", "https://APP.example.test/"],
    ["an added query", `${APP_LOGOUT}?next=https://evil.example/`],
    ["a fragment", `${APP_LOGOUT}#x`],
    ["http for https", "http://app.example.test/"],
    ["user-info", "https://app.example.test@evil.example/"],
    ["the app's host under another", "https://app.example.test.evil.example/"],
    ["a dot-dot segment", "https://app.example.test/x/../"],
    ["a punycode twin", `https://${domainToASCII(TWIN_HOST)}/`],
    ["another client's registered URI", OTHER_LOGOUT],
    ["another client's redirect URI", OTHER_REDIRECT],
    ["the client's own redirect URI (not a logout URI)", APP_REDIRECT],
    ["javascript:", "javascript:alert(document.domain)"],
    ["javascript: dressed as the app", "javascript://app.example.test/%0aalert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["protocol-relative", "//evil.example/"],
    ["a backslash trick", "/\\evil.example/"],
  ] as const;

  it.each(refused)("refuses %s with the provider's page, named by id_token_hint or by client_id", async (_label, uri) => {
    const namings: Array<Record<string, string>> = [{ id_token_hint: idToken }, { client_id: appA.clientId }];
    for (const named of namings) {
      expectErrorPage(await endSession({ ...named, post_logout_redirect_uri: uri }), "invalid_request");
    }
  });

  it("refuses every mutation of the registered URI (property)", async () => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(APP_LOGOUT), fc.boolean(), async (uri, byHint) => {
        const reply = await endSession({ ...(byHint ? { id_token_hint: idToken } : { client_id: appA.clientId }), post_logout_redirect_uri: uri });
        expectErrorPage(reply, "invalid_request");
      }),
      { numRuns: 60 },
    );
  });

  it("refuses a client_id that is not the hint's audience", async () => {
    expectErrorPage(await endSession({ id_token_hint: idToken, client_id: appB.clientId, post_logout_redirect_uri: OTHER_LOGOUT }), "invalid_request");
  });

  it("ignores the URI when no client is named, and ends on Latchkey's own page", async () => {
    const other = signedIn.clone();
    await codeFor(other, appA);
    const page = await endSession({ post_logout_redirect_uri: "https://evil.example/" }, other);
    expect(page.status).toBe(200);
    const done = await confirm(page, other);
    expect(done.status).toBe(303);
    expect(String(done.headers.location)).toMatch(new RegExp(`^${t.config.publicUrl}/oidc/session/end/success`));
  });

  it("returns to the registered URI, exactly, after the question", async () => {
    const page = await endSession({ id_token_hint: idToken, post_logout_redirect_uri: APP_LOGOUT, state: "s1" });
    expect(page.status).toBe(200);
    const done = await confirm(page);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${APP_LOGOUT}?state=s1`);
  });
});

/** What an attacker (or a misconfigured proxy) writes to move the issuer or the links elsewhere. */
const FORGED_HEADERS: Array<Record<string, string>> = [
  { host: "evil.example" },
  { host: "latchkey.test:8443" },
  { "x-forwarded-host": "evil.example" },
  { "x-forwarded-host": "latchkey.test.evil.example", "x-forwarded-proto": "https" },
  { "x-forwarded-proto": "http" },
  { "x-forwarded-port": "8443" },
  { "x-forwarded-prefix": "/evil" },
  { forwarded: "host=evil.example;proto=http" },
  { forwarded: 'for=198.51.100.1;host="evil.example:443";proto=https' },
  { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http", forwarded: "host=evil.example;proto=http", "x-forwarded-port": "80" },
];

let trusting: TestApp | undefined;

describe.each([
  { label: "TRUST_PROXY off", trustProxy: null },
  { label: "TRUST_PROXY=1", trustProxy: "1" },
])("Host and forwarded headers with $label", ({ trustProxy }) => {
  let app: TestApp;
  let client: RegisteredClient;
  let browser: TestClient;

  beforeAll(async () => {
    if (trustProxy) {
      trusting = await startTestApp({ smtp: false, worker: false, env: { TRUST_PROXY: trustProxy } });
      app = trusting;
    } else {
      app = t;
    }
    client = app === t ? appA : await registerClient(app);
    browser = await signIn(app, (await createCompanyWithUsers(app.deps)).users.manager);
  });
  afterAll(async () => {
    if (trustProxy) await trusting?.close();
    trusting = undefined;
  });

  it("leave discovery and the key set byte for byte as a clean request gets them", async () => {
    for (const path of ["/.well-known/openid-configuration", "/oidc/jwks"]) {
      const clean = await providerRequest(app, { url: path });
      expect(clean.status).toBe(200);
      if (path.startsWith("/.well")) expect(clean.json?.issuer).toBe(app.config.publicUrl);
      for (const headers of FORGED_HEADERS) {
        const forged = await providerRequest(app, { url: path, headers });
        expect({ status: forged.status, body: forged.text }, JSON.stringify(headers)).toEqual({ status: 200, body: clean.text });
      }
    }
  });

  it("never move a link of a sign-in, nor the issuer in its tokens", async () => {
    const publicUrl = app.config.publicUrl;
    const ours = (location: unknown) => {
      const value = String(location);
      // Relative to Latchkey (one slash), or absolute at PUBLIC_URL.
      expect(/^\/(?!\/)/.test(value) || value.startsWith(`${publicUrl}/`), value).toBe(true);
    };
    for (const headers of FORGED_HEADERS) {
      const label = JSON.stringify(headers);
      const who = browser.clone();
      const authorization = await authorizationRequest(client, { resource: APP_API });
      const first = await who.get(pathOf(authorization.url), headers);
      expect(first.status, label).toBe(303);
      ours(first.headers.location);
      const uid = interactionUid(String(first.headers.location));
      const next = await who.post(`/interaction/${uid}/continue`, {}, headers);
      expect(next.status, label).toBe(200);
      ours(next.body.redirectTo);
      expect(String(next.body.redirectTo).startsWith(`${publicUrl}/`), label).toBe(true);
      const back = await who.get(pathOf(next.body.redirectTo), headers);
      const callback = new URL(String(back.headers.location));
      expect(callback.origin + callback.pathname, label).toBe(APP_REDIRECT);
      expect(callback.searchParams.get("iss"), label).toBe(publicUrl);

      const tokens = await providerRequest(app, {
        url: "/oidc/token",
        basic: client,
        headers,
        form: { grant_type: "authorization_code", code: callback.searchParams.get("code") ?? "", redirect_uri: APP_REDIRECT, code_verifier: authorization.verifier },
      });
      expect(tokens.status, label).toBe(200);
      expect(decodeJwt(String(tokens.json?.id_token)).iss, label).toBe(publicUrl);
      expect(decodeJwt(String(tokens.json?.access_token)).iss, label).toBe(publicUrl);

      const logout = await who.get(`/oidc/session/end?${new URLSearchParams({ id_token_hint: String(tokens.json?.id_token) })}`, { ...headers, ...NAVIGATION });
      expect(logout.status, label).toBe(200);
      expect(String(logout.body), label).toContain(`action="${publicUrl}/oidc/session/end/confirm"`);
      expect(String(logout.body), label).not.toContain("evil.example");
    }
  });
});
