import createClient from "openapi-fetch";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { paths } from "../../web/src/api/openapi.d.ts";
import { apiAudience } from "../../src/features/api-clients/api-audience.ts";
import { scopesFor } from "../../src/http/api/v1/openapi-security.ts";
import { CLIENT_ROUTES } from "../support/api-routes.ts";
import { createMachineClient, machineConfig, type MachineClient } from "../support/api-clients.ts";
import { Webhook } from "standardwebhooks";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { failOnServerErrors } from "../support/oidc-attacks.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { awaitEvent, registerEndpoint } from "../support/webhooks.ts";

let t: TestApp;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;
let credentials: MachineClient;
let receiver: WebhookReceiver;
let signingSecret: string;

/** fetch through the real app in process, for a Request as openapi-fetch builds it. */
function appFetch(app: TestApp["app"]) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const body = request.body ? await request.text() : undefined;
    const reply = await app.inject({ method: request.method as "GET", url: url.pathname + url.search, headers, ...(body !== undefined ? { payload: body } : {}) });
    const out = new Headers();
    for (const [key, value] of Object.entries(reply.headers)) if (value !== undefined) out.set(key, String(value));
    return new Response(reply.statusCode === 204 ? null : new Uint8Array(reply.rawPayload), { status: reply.statusCode, headers: out });
  };
}

beforeAll(async () => {
  t = await startTestApp({ env: { WEBHOOK_POLL_INTERVAL: "50ms" } });
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
  credentials = await createMachineClient(t, seed.company.id, ["users:read", "users:write", "users:reset"], "Billing sync");
  // The company's administrator registers the back end's webhook endpoint in the Integrations tab
  // (its API, as the dashboard calls it) and hands the secret, shown once, to the back end.
  receiver = await startWebhookReceiver();
  const admin = await signIn(t, seed.users.administrator);
  signingSecret = (await registerEndpoint(admin, receiver, ["user.created", "user.invitation_sent", "password_reset.requested"])).secret;
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});
failOnServerErrors(() => [t]);

describe("a platform's back end, written against the OpenAPI document", () => {
  it("gets a token by the client-credentials grant, creates a user, triggers a reset the user receives, and lists users", async () => {
    // What the platform's back end holds: a client id and secret, the issuer, the API's base URL.
    const config = await machineConfig(t, credentials);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "users:read users:write users:reset", resource: apiAudience(t.config) });
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.expires_in).toBe(600);

    const api = createClient<paths>({ baseUrl: t.config.publicUrl, fetch: appFetch(t.app), headers: { authorization: `Bearer ${tokens.access_token}` } });

    const email = `signed-contract-${Date.now()}@customer.example`;
    const created = await api.POST("/api/v1/users", { body: { name: "New Customer", email, role: "user" } });
    expect(created.response.status).toBe(201);
    const userId = created.data?.user.id ?? "";
    expect(created.data?.user).toMatchObject({ name: "New Customer", email, status: "active", hasPassword: false });
    const invitation = await t.smtp.waitFor({ to: email, subject: /invited/ });
    expect(invitation.text).toContain("Northwind's integration Billing sync");

    const reset = await api.POST("/api/v1/users/{id}/password-reset", { params: { path: { id: seed.users.user.id } } });
    expect(reset.response.status).toBe(202);
    expect(reset.data?.reset.id).toMatch(/^[0-9a-f-]{36}$/);
    const message = await t.smtp.waitFor({ to: seed.users.user.email, subject: /reset/ });
    expect(message.text).toContain("requested through Northwind's integration Billing sync");
    expect(t.smtp.linksIn(message).some((link) => link.startsWith(`${t.config.publicUrl}/reset-password#token=`))).toBe(true);

    const page = await api.GET("/api/v1/users", { params: { query: { q: "New Customer", status: "all", limit: 25 } } });
    expect(page.response.status).toBe(200);
    expect(page.data?.users.map((u) => u.id)).toEqual([userId]);

    const refused = await api.POST("/api/v1/api-clients", { body: { name: "Escalate", scopes: ["users:read"] } });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.error.code).toBe("FORBIDDEN");

    // The back end hears of what it did, signed: the receiver verified each delivery with the
    // secret, and so does the five-line check of the README, on the raw body and headers.
    const asClient = { type: "api_client", id: credentials.clientId, name: "Billing sync", companyId: seed.company.id };
    const createdEvent = await awaitEvent(receiver, "user.created", userId);
    expect(createdEvent.payload).toMatchObject({ type: "user.created", companyId: seed.company.id, actor: asClient, subject: { type: "user", id: userId }, data: { user: { email } } });
    expect((await awaitEvent(receiver, "user.invitation_sent", userId)).payload.actor).toEqual(asClient);
    const resetEvent = await awaitEvent(receiver, "password_reset.requested", seed.users.user.id);
    expect(resetEvent.payload.actor).toEqual(asClient);
    expect(JSON.stringify(resetEvent.payload)).not.toMatch(/token=|reset-password/);
    for (const event of [createdEvent, resetEvent]) {
      expect(event.verifiedWith).toEqual([signingSecret]);
      const verified = new Webhook(signingSecret).verify(event.body, event.headers) as { id: string };
      expect(verified.id).toBe(event.headers["webhook-id"]);
      expect(() => new Webhook(signingSecret).verify(event.body.replace(seed.company.id, "forged"), event.headers)).toThrow();
    }
  });

  it("the document declares both security schemes, and each route the scopes that open it", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie" });
    expect(doc.components.securitySchemes.csrf).toMatchObject({ type: "apiKey", in: "header", name: "x-csrf-token" });
    expect(doc.components.securitySchemes.apiClient.flows.clientCredentials.tokenUrl).toBe(`${t.config.publicUrl}/oidc/token`);
    for (const route of CLIENT_ROUTES) {
      const path = route.path({ userId: "{id}", resetId: "{resetId}", linkedCompanyId: "{companyId}", apiClientId: "{id}" });
      const operation = doc.paths[path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      const clientScopes = (operation.security as Array<Record<string, string[]>>).flatMap((requirement) => requirement.apiClient ?? []);
      expect(clientScopes, route.name).toEqual(route.permission === null ? [] : scopesFor(route.documented ?? route.permission));
      expect(operation.security[0].session, route.name).toEqual([]);
    }
    expect(doc.paths["/api/v1/auth/me"].get.security).toEqual([{ session: [] }]);
    expect(doc.paths["/api/v1/auth/login"].post.security).toEqual([]);
  });
});
