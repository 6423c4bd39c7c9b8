import type { EventEmitter } from "node:events";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, expect } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import type { TestClient } from "./client.ts";
import { APP_REDIRECT, authorizationRequest, signInThroughBrowser, type Authorization, type RegisteredClient } from "./oidc.ts";
import type { TestApp } from "./test-app.ts";

/**
 * Fails the running test when a provider reports a server error: the library renders a 500 as an
 * ordinary `server_error` answer, which an assertion on one status could miss. Koa's own `error`
 * event (an error outside the provider's handlers, e.g. in the audit middleware) counts too.
 */
export function failOnServerErrors(apps: () => Array<TestApp | undefined>): void {
  let seen: unknown[] = [];
  let detach: Array<() => void> = [];
  beforeEach(async () => {
    seen = [];
    detach = [];
    for (const t of apps()) {
      if (!t) continue;
      const provider = await t.deps.oidc.current();
      const onServerError = (_ctx: unknown, error: unknown) => seen.push(error);
      const onError = (error: unknown) => seen.push(error);
      // Koa's own event, which the provider's types leave out.
      const koa = provider as unknown as EventEmitter;
      provider.on("server_error", onServerError);
      koa.on("error", onError);
      detach.push(() => {
        provider.off("server_error", onServerError);
        koa.off("error", onError);
      });
    }
  });
  afterEach(() => {
    for (const off of detach) off();
    expect(seen.map((error) => String(error)), "the provider reported a server error").toEqual([]);
  });
}

/**
 * What a request could have issued: the provider's codes, tokens and grants, and Latchkey's rows of
 * grants. Call before an attack; the function it returns lists what appeared since.
 */
export async function watchIssued(t: TestApp): Promise<() => Promise<string[]>> {
  const snapshot = async () =>
    new Set(
      (
        await queryRows<{ key: string }>(t.deps.db, sql`
          select model || ' ' || id as key from oidc_payloads where model in ('AuthorizationCode', 'AccessToken', 'RefreshToken', 'Grant')
          union all select 'oidc_grants ' || grant_id from oidc_grants`)
      ).map((row) => row.key),
    );
  const before = await snapshot();
  return async () => [...(await snapshot())].filter((key) => !before.has(key));
}

export async function countPayloads(t: TestApp, model: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(t.deps.db, sql`select count(*)::int as n from oidc_payloads where model = ${model}`);
  return Number(row?.n ?? 0);
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  /** The body parsed when it is JSON, else null. */
  json: Record<string, unknown> | null;
}

export interface ProviderRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH";
  url: string;
  /** A form body (application/x-www-form-urlencoded), or a raw string/Buffer sent as is. */
  form?: Record<string, string | string[]> | string | Buffer;
  headers?: Record<string, string>;
  /** HTTP Basic client authentication. */
  basic?: { clientId: string; clientSecret: string | null };
  clientAddress?: string;
}

const formBody = (form: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  return body.toString();
};

/** One request to the app as an application or an attacker would send it (no cookies, no CSRF token). */
export async function providerRequest(t: TestApp, request: ProviderRequest): Promise<RawReply> {
  const headers: Record<string, string> = { ...request.headers };
  let payload: string | Buffer | undefined;
  if (request.form !== undefined) {
    payload = typeof request.form === "string" || Buffer.isBuffer(request.form) ? request.form : formBody(request.form);
    if (!Object.keys(headers).some((key) => key.toLowerCase() === "content-type")) headers["content-type"] = "application/x-www-form-urlencoded";
  }
  if (request.basic) {
    const { clientId, clientSecret } = request.basic;
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret ?? "")}`).toString("base64")}`;
  }
  const response = await t.app.inject({
    method: request.method ?? (payload === undefined ? "GET" : "POST"),
    url: request.url,
    headers,
    remoteAddress: request.clientAddress ?? "203.0.113.7",
    ...(payload !== undefined ? { payload } : {}),
  });
  let json: Record<string, unknown> | null = null;
  if (String(response.headers["content-type"] ?? "").includes("json")) {
    try {
      json = response.json();
    } catch {
      json = null;
    }
  }
  return { status: response.statusCode, headers: response.headers, text: response.body, json };
}

/** What a browser sends with a navigation: the provider answers its errors there with the HTML page. */
export const NAVIGATION = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

const TOKEN_MEMBERS = ["access_token", "refresh_token", "id_token", "code"];

/** A clear OAuth error: the status, the `error` member, and nothing that could be used as a credential. */
export function expectOAuthError(reply: RawReply, status: number | number[], error: string | string[]): void {
  const errors = Array.isArray(error) ? error : [error];
  expect(Array.isArray(status) ? status : [status], reply.text).toContain(reply.status);
  expect(errors, `${reply.status} ${reply.text}`).toContain(reply.json?.error);
  for (const member of TOKEN_MEMBERS) expect(reply.json ?? {}).not.toHaveProperty(member);
  expect(reply.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
}

/** The provider's error page (renderError): the request went nowhere, not even back to the application. */
export function expectErrorPage(reply: { status: number; headers: Record<string, unknown>; text?: string; body?: unknown }, error: string): void {
  const text = reply.text ?? String(reply.body);
  expect(reply.status, text).toBe(400);
  expect(reply.headers.location, "no redirect anywhere").toBeUndefined();
  expect(String(reply.headers["content-type"])).toContain("text/html");
  expect(text).toContain(`<code>${error}</code>`);
}

/** A code for the client, through the browser's (already signed-in) Latchkey session. */
export async function codeFor(browser: TestClient, client: RegisteredClient, params: Record<string, string> = {}): Promise<{ code: string; authorization: Authorization; redirectUri: string }> {
  const authorization = await authorizationRequest(client, params);
  const { callback } = await signInThroughBrowser(browser, authorization);
  const code = callback?.searchParams.get("code");
  if (!code) throw new Error(`no code came back: ${callback?.toString() ?? "no callback"}`);
  return { code, authorization, redirectUri: params.redirect_uri ?? APP_REDIRECT };
}

/** Client authentication as the client registered it: Basic for a confidential client, client_id in the form for a public one. */
export function authAs(client: { clientId: string; clientSecret: string | null }): Pick<ProviderRequest, "basic"> & { form: Record<string, string> } {
  return client.clientSecret ? { basic: client, form: {} } : { form: { client_id: client.clientId } };
}

export function tokenRequest(t: TestApp, client: { clientId: string; clientSecret: string | null }, form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const auth = authAs(client);
  return providerRequest(t, { url: "/oidc/token", basic: auth.basic, form: { ...auth.form, ...form }, headers });
}

export function exchangeCode(t: TestApp, client: { clientId: string; clientSecret: string | null }, code: { code: string; authorization: Authorization; redirectUri: string }, overrides: Record<string, string | undefined> = {}) {
  const form: Record<string, string | undefined> = { grant_type: "authorization_code", code: code.code, redirect_uri: code.redirectUri, code_verifier: code.authorization.verifier, ...overrides };
  return tokenRequest(t, client, Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined)));
}

export function refresh(t: TestApp, client: { clientId: string; clientSecret: string | null }, refreshToken: string) {
  return tokenRequest(t, client, { grant_type: "refresh_token", refresh_token: refreshToken });
}

export function userinfo(t: TestApp, accessToken: string, headers: Record<string, string> = {}) {
  return providerRequest(t, { url: "/oidc/me", headers: { authorization: `Bearer ${accessToken}`, ...headers } });
}

/** Latchkey's row of a grant: whether it is revoked, and why. */
export async function grantRow(t: TestApp, grantId: string) {
  const [row] = await queryRows<{ revoked: boolean; reason: string | null }>(t.deps.db, sql`select revoked_at is not null as revoked, revoked_reason as reason from oidc_grants where grant_id = ${grantId}`);
  return row ?? null;
}

/** The grant a code or token belongs to, read from the provider's row. */
export async function grantIdOf(t: TestApp, model: string, id: string): Promise<string> {
  const [row] = await queryRows<{ grant_id: string | null }>(t.deps.db, sql`select grant_id from oidc_payloads where model = ${model} and id = ${id}`);
  if (!row?.grant_id) throw new Error(`no ${model} row ${id}`);
  return row.grant_id;
}
