import { sql } from "drizzle-orm";
import * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCompanyWithUsers } from "../support/factories.ts";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { APP_API, authorizationRequest, exchange, registerClient, signInThroughBrowser, type RegisteredClient } from "../support/oidc.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";
import { auditRowsOf } from "../support/password-reset.ts";
import { injectFetch } from "../support/oidc.ts";

let t: TestApp;
let client: RegisteredClient;
let seed: Awaited<ReturnType<typeof createCompanyWithUsers>>;

beforeAll(async () => {
  t = await startTestApp();
  client = await registerClient(t);
  seed = await createCompanyWithUsers(t.deps, { name: "Northwind" });
});
afterAll(() => t.close());

describe("signing in to an application through Latchkey", () => {
  it("publishes discovery with PUBLIC_URL as the issuer", async () => {
    const reply = await t.client().get("/.well-known/openid-configuration");
    expect(reply.status).toBe(200);
    expect(reply.body.issuer).toBe(t.config.publicUrl);
    expect(reply.body.code_challenge_methods_supported).toEqual(["S256"]);
    expect(reply.body.response_types_supported).toEqual(["code"]);
  });

  it("signs a user in with the code flow and carries the company and role", async () => {
    const browser = t.client();
    const authorization = await authorizationRequest(client);
    const { callback } = await signInThroughBrowser(browser, authorization, { email: seed.users.manager.email });
    expect(callback?.origin + (callback?.pathname ?? "")).toBe("https://app.example.test/callback");
    const tokens = await exchange(client, callback as URL, authorization);
    const claims = tokens.claims();
    expect(claims).toMatchObject({
      sub: seed.users.manager.id,
      email: seed.users.manager.email,
      company_id: seed.company.id,
      company_name: "Northwind",
      company_role: "manager",
      company_access: "member",
    });
    expect(tokens.refresh_token).toBeTruthy();
    const info = await oidc.fetchUserInfo(client.config, tokens.access_token, seed.users.manager.id);
    expect(info.company_id).toBe(seed.company.id);
    const refreshed = await oidc.refreshTokenGrant(client.config, tokens.refresh_token as string);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  });

  it("gives the platform's API a JWT access token (RFC 9068) for the resource it names, with the acting company", async () => {
    const browser = t.client();
    const authorization = await authorizationRequest(client, { resource: APP_API });
    const { callback } = await signInThroughBrowser(browser, authorization, { email: seed.users.user.email });
    const tokens = await exchange(client, callback as URL, authorization);
    const jwks = createLocalJWKSet((await t.client().get("/oidc/jwks")).body as JSONWebKeySet);
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: t.config.publicUrl, audience: APP_API, typ: "at+jwt", algorithms: ["RS256"] });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ sub: seed.users.user.id, client_id: client.clientId, company_id: seed.company.id, company_role: "user", company_access: "member" });
    // A resource the client did not register is refused, nothing issued.
    const other = await authorizationRequest(client, { resource: "https://other.example/api" });
    const reply = await t.client().get(other.url.pathname + other.url.search);
    expect(String(reply.headers.location)).toContain("error=invalid_target");
  });

  it("RP-initiated logout: the confirmation may return to the application, and signs the browser out of Latchkey too", async () => {
    const browser = t.client();
    const authorization = await authorizationRequest(client);
    const { callback } = await signInThroughBrowser(browser, authorization, { email: seed.users.administrator.email });
    const tokens = await exchange(client, callback as URL, authorization);
    const end = oidc.buildEndSessionUrl(client.config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: "https://app.example.test/" });
    const page = await browser.get(end.pathname + end.search);
    expect(page.status).toBe(200);
    expect(String(page.headers["content-security-policy"])).toContain("form-action 'self' https://app.example.test");
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(String(page.body))?.[1] as string;
    expect(xsrf).toBeTruthy();
    const confirm = await browser.request("POST", "/oidc/session/end/confirm", `xsrf=${encodeURIComponent(xsrf)}&logout=yes`, { "content-type": "application/x-www-form-urlencoded" });
    expect(confirm.status).toBe(303);
    expect(String(confirm.headers.location)).toBe("https://app.example.test/");
    expect((await browser.get("/api/v1/auth/me")).status).toBe(401);
    await expect(oidc.refreshTokenGrant(client.config, tokens.refresh_token as string)).rejects.toMatchObject({ error: "invalid_grant" });
    // The next sign-in asks for the password again.
    const again = await authorizationRequest(client, { prompt: "none" });
    expect(String((await browser.get(again.url.pathname + again.url.search)).headers.location)).toContain("error=login_required");
  });

  it("audits, where the user's company looks, their sign-ins to the application by name, refreshes, revocations and failed client authentication — never a token", async () => {
    const browser = t.client();
    const authorization = await authorizationRequest(client);
    const { callback } = await signInThroughBrowser(browser, authorization, { email: seed.users.read_only.email });
    const tokens = await exchange(client, callback as URL, authorization);
    const refreshed = await oidc.refreshTokenGrant(client.config, tokens.refresh_token as string);
    await oidc.tokenRevocation(client.config, refreshed.refresh_token as string);
    const impostor = await oidc.discovery(new URL(t.config.publicUrl), client.clientId, {}, oidc.ClientSecretBasic("not the secret"), { [oidc.customFetch]: injectFetch(t.app), execute: [] });
    impostor[oidc.customFetch] = injectFetch(t.app);
    await expect(oidc.refreshTokenGrant(impostor, "whatever")).rejects.toBeTruthy();
    const mine = (rows: Awaited<ReturnType<typeof auditRowsOf>>) => rows.filter((row) => row.targetUserId === seed.users.read_only.id);
    for (const action of ["oidc.authorized", "oidc.token_issued", "oidc.token_refreshed", "oidc.token_revoked"]) {
      const rows = mine(await auditRowsOf(t, action));
      expect(rows.length, action).toBeGreaterThan(0);
      expect(rows.at(-1)?.targetCompanyId, action).toBe(seed.company.id);
      expect(rows.at(-1)?.details, action).toMatchObject({ clientId: client.clientId, clientName: "Platform app" });
    }
    const failed = (await auditRowsOf(t, "oidc.client_auth_failed")).at(-1);
    expect(failed).toMatchObject({ outcome: "failure", details: { clientId: client.clientId } });
    const everything = JSON.stringify(await t.deps.db.execute(sql`select details from audit_events`));
    for (const secret of [tokens.access_token, tokens.refresh_token, refreshed.refresh_token, refreshed.access_token, client.clientSecret]) expect(everything).not.toContain(secret as string);
  });
});
