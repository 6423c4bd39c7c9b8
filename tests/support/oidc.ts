import * as oidc from "openid-client";
import type { App } from "../../src/app.ts";
import { createClient, type NewClient } from "../../src/features/oidc/manage-clients.ts";
import type { TestClient } from "./client.ts";
import { FACTORY_PASSWORD } from "./factories.ts";
import type { TestApp } from "./test-app.ts";

export const APP_ORIGIN = "https://app.example.test";
export const APP_REDIRECT = `${APP_ORIGIN}/callback`;
export const APP_API = `${APP_ORIGIN}/api`;

/**
 * fetch for openid-client that goes through the real app in process (`app.inject`): the client library
 * speaks to the real provider, at the real PUBLIC_URL, without a listening socket.
 */
export function injectFetch(app: App, clientAddress = "10.1.2.3"): oidc.CustomFetch {
  return (async (input: string | URL | Request, init: { method?: string; headers?: HeadersInit; body?: unknown } = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init.body === undefined || init.body === null ? undefined : init.body instanceof URLSearchParams ? init.body.toString() : init.body instanceof Uint8Array ? Buffer.from(init.body).toString() : String(init.body);
    const response = await app.inject({
      method: (init.method ?? "GET") as "GET",
      url: url.pathname + url.search,
      remoteAddress: clientAddress,
      headers,
      ...(body !== undefined ? { payload: body } : {}),
    });
    const out = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [String(value)]) out.append(key, v);
    }
    return new Response(response.statusCode === 204 || response.statusCode === 304 ? null : new Uint8Array(response.rawPayload), { status: response.statusCode, headers: out });
  }) as oidc.CustomFetch;
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string | null;
  config: oidc.Configuration;
}

export const DEFAULT_CLIENT: NewClient = {
  name: "Platform app",
  redirectUris: [APP_REDIRECT],
  postLogoutRedirectUris: [`${APP_ORIGIN}/`],
  backchannelLogoutUri: null,
  resources: [APP_API],
  public: false,
  firstParty: true,
};

/** Registers a client (as the CLI does) and discovers the provider with openid-client through the app. */
export async function registerClient(t: TestApp, overrides: Partial<NewClient> = {}): Promise<RegisteredClient> {
  const created = await createClient(t.deps, { ...DEFAULT_CLIENT, ...overrides });
  const config = await oidc.discovery(
    new URL(t.config.publicUrl),
    created.clientId,
    created.clientSecret ? { client_secret: created.clientSecret } : {},
    created.clientSecret ? oidc.ClientSecretBasic(created.clientSecret) : oidc.None(),
    { [oidc.customFetch]: injectFetch(t.app), execute: [] },
  );
  config[oidc.customFetch] = injectFetch(t.app);
  return { ...created, config };
}

export interface Authorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(client: RegisteredClient, params: Record<string, string> = {}): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: APP_REDIRECT,
    scope: "openid email profile company",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

const pathOf = (url: string | URL) => {
  const parsed = new URL(String(url), "https://latchkey.test");
  return parsed.pathname + parsed.search;
};

/** Follows the provider's redirects in the browser until it leaves for the application or lands on the sign-in page. */
export async function follow(browser: TestClient, url: string | URL): Promise<{ status: number; location: string | null; body: unknown }> {
  let reply = await browser.get(pathOf(url));
  for (let hops = 0; hops < 5 && (reply.status === 302 || reply.status === 303); hops++) {
    const location = String(reply.headers.location);
    if (!location.startsWith("/") && !location.startsWith("https://latchkey.test/")) return { status: reply.status, location, body: reply.body };
    if (location.startsWith("/interaction/") || location.includes("latchkey.test/interaction/")) return { status: reply.status, location, body: reply.body };
    reply = await browser.get(pathOf(location));
  }
  return { status: reply.status, location: (reply.headers.location as string | undefined) ?? null, body: reply.body };
}

export const interactionUid = (location: string) => /\/interaction\/([^/?#]+)/.exec(location)?.[1] ?? "";

/**
 * The browser's part of a sign-in: the authorization request, Latchkey's sign-in page (password if
 * not signed in yet), the company choice, and back to the application with a code.
 */
export async function signInThroughBrowser(
  browser: TestClient,
  authorization: Authorization,
  options: { email?: string; password?: string; companyId?: string } = {},
): Promise<{ callback: URL | null; uid: string; continueReply?: { status: number; body: any } }> {
  const first = await follow(browser, authorization.url);
  if (!first.location?.includes("/interaction/")) return { callback: first.location ? new URL(first.location) : null, uid: "" };
  const uid = interactionUid(first.location);
  if (options.email) {
    const login = await browser.post(`/interaction/${uid}/login`, { email: options.email, password: options.password ?? FACTORY_PASSWORD });
    if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${JSON.stringify(login.body)}`);
  }
  const next = await browser.post(`/interaction/${uid}/continue`, options.companyId ? { companyId: options.companyId } : {});
  if (next.status !== 200) return { callback: null, uid, continueReply: next };
  const done = await follow(browser, next.body.redirectTo);
  return { callback: done.location ? new URL(done.location) : null, uid, continueReply: next };
}

export async function exchange(client: RegisteredClient, callback: URL, authorization: Authorization) {
  return oidc.authorizationCodeGrant(client.config, callback, {
    pkceCodeVerifier: authorization.verifier,
    expectedState: authorization.state,
    expectedNonce: authorization.nonce,
  });
}
