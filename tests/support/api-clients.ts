import * as oidc from "openid-client";
import type { ApiScope } from "../../src/features/access/api-scopes.ts";
import { apiAudience } from "../../src/features/api-clients/api-audience.ts";
import { createApiClient } from "../../src/features/api-clients/create-api-client.ts";
import type { Reply } from "./client.ts";
import { injectFetch } from "./oidc.ts";
import type { TestApp } from "./test-app.ts";

export interface MachineClient {
  clientId: string;
  clientSecret: string;
  companyId: string;
}

/** A company's machine client, created as the operator's CLI does. */
export async function createMachineClient(t: TestApp, companyId: string, scopes: readonly ApiScope[], name = "Billing sync"): Promise<MachineClient> {
  const created = await createApiClient(t.deps, { by: "operator", companyId }, { name, scopes });
  return { clientId: created.client.id, clientSecret: created.clientSecret, companyId };
}

/** openid-client's configuration for a machine client, speaking to the real provider through the app. */
export async function machineConfig(t: TestApp, client: Pick<MachineClient, "clientId" | "clientSecret">): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(t.config.publicUrl), client.clientId, { client_secret: client.clientSecret }, oidc.ClientSecretBasic(client.clientSecret), {
    [oidc.customFetch]: injectFetch(t.app),
    execute: [],
  });
  config[oidc.customFetch] = injectFetch(t.app);
  return config;
}

/** An access token for Latchkey's API by the client-credentials grant, as a platform's back end gets one. */
export async function machineToken(t: TestApp, client: Pick<MachineClient, "clientId" | "clientSecret">, scopes: readonly string[]): Promise<string> {
  const config = await machineConfig(t, client);
  const tokens = await oidc.clientCredentialsGrant(config, { scope: scopes.join(" "), resource: apiAudience(t.config) });
  return tokens.access_token;
}

/** A request to the API as a back end makes it: the bearer token, no cookie, no CSRF token. */
export async function bearerRequest(t: TestApp, token: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const reply = await t.app.inject({
    method: method as "GET",
    url,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  let parsed: unknown = null;
  try {
    parsed = reply.body ? JSON.parse(reply.body) : null;
  } catch {
    parsed = reply.body;
  }
  return { status: reply.statusCode, body: parsed, headers: reply.headers };
}
