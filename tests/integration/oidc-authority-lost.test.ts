import { eq, sql } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from "jose";
import * as oidc from "openid-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { oidcGrants } from "../../src/db/schema.ts";
import { unlinkCompany } from "../../src/features/linked-companies/link-company.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import { startBackchannelReceiver, type BackchannelReceiver } from "../support/backchannel-receiver.ts";
import { createCompanyWithUsers, signIn, type SeedUser } from "../support/factories.ts";
import { authorizationRequest, exchange, registerClient, signInThroughBrowser, type RegisteredClient } from "../support/oidc.ts";
import { linkedCompanyWithGrantedManager, linksOf, submitNewPassword } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let receiver: BackchannelReceiver;
let client: RegisteredClient;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  t = await startTestApp();
  receiver = await startBackchannelReceiver();
  client = await registerClient(t, { backchannelLogoutUri: receiver.url });
  jwks = createLocalJWKSet((await t.client().get("/oidc/jwks")).body as JSONWebKeySet);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});

/** An application session: signed in through the browser, the code exchanged (which records the sid). */
async function appSession(user: SeedUser, options: { company?: string; companyId?: string } = {}) {
  const browser = await signIn(t, user);
  const authorization = await authorizationRequest(client, options.company ? { company: options.company } : {});
  const { callback } = await signInThroughBrowser(browser, authorization, options.companyId ? { companyId: options.companyId } : {});
  expect(callback, "the sign-in reached the application").not.toBeNull();
  const tokens = await exchange(client, callback as URL, authorization);
  const sid = tokens.claims()?.sid as string;
  expect(sid).toBeTruthy();
  return { browser, tokens, sid };
}

async function refreshRefused(refreshToken: string) {
  await expect(oidc.refreshTokenGrant(client.config, refreshToken)).rejects.toMatchObject({ error: "invalid_grant" });
}

async function userinfoRefused(accessToken: string, sub: string) {
  await expect(oidc.fetchUserInfo(client.config, accessToken, sub)).rejects.toBeTruthy();
}

/** The logout token reaches the application, signed by the provider, naming the user and the session. */
async function expectLogoutFor(sub: string, sid: string) {
  const [delivered] = await receiver.waitFor(1);
  const { payload, protectedHeader } = await jwtVerify(delivered?.logoutToken as string, jwks, { issuer: t.config.publicUrl, audience: client.clientId, typ: "logout+jwt" });
  expect(protectedHeader.alg).toBe("RS256");
  expect(payload).toMatchObject({ sub, sid, events: { "http://schemas.openid.net/event/backchannel-logout": {} } });
  expect(payload.nonce).toBeUndefined();
}

async function grantReasons(userId: string) {
  return (await t.deps.db.select({ reason: oidcGrants.revokedReason }).from(oidcGrants).where(eq(oidcGrants.userId, userId))).map((row) => row.reason);
}

describe("an application's tokens die when the user's authority does", () => {
  it("deactivation: refresh and userinfo refused, the application told", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid } = await appSession(seed.users.user);
    const admin = await signIn(t, seed.users.administrator);
    expect((await admin.post(`/api/v1/users/${seed.users.user.id}/deactivate`)).status).toBe(200);
    await refreshRefused(tokens.refresh_token as string);
    await userinfoRefused(tokens.access_token, seed.users.user.id);
    await expectLogoutFor(seed.users.user.id, sid);
    expect(await grantReasons(seed.users.user.id)).toEqual(["deactivated"]);
  });

  it("a password reset by an administrator (seed 001): the application's session ends, single sign-on too", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid, browser } = await appSession(seed.users.user);
    const admin = await signIn(t, seed.users.administrator);
    expect((await admin.post(`/api/v1/users/${seed.users.user.id}/password-reset`)).status).toBe(202);
    const [link] = await linksOf(t, seed.users.user.id);
    expect(link).toBeTruthy();
    const token = await waitForLinkToken(seed.users.user);
    expect((await submitNewPassword(t.client(), token)).status).toBe(200);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(seed.users.user.id, sid);
    // The browser's Latchkey session ended too: a new authorization asks for the password again.
    const again = await authorizationRequest(client, { prompt: "none" });
    const reply = await browser.get(again.url.pathname + again.url.search);
    expect(String(reply.headers.location)).toContain("error=login_required");
  });

  it("changing one's own password", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid, browser } = await appSession(seed.users.manager);
    const changed = await browser.post("/api/v1/account/password", { currentPassword: "factory made passphrase 4417", newPassword: "another long passphrase 9921", newPasswordConfirmation: "another long passphrase 9921" });
    expect(changed.status).toBe(200);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(seed.users.manager.id, sid);
  });

  it("a role change: every token stated the old role", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid } = await appSession(seed.users.user);
    const admin = await signIn(t, seed.users.administrator);
    expect((await admin.put(`/api/v1/users/${seed.users.user.id}/role`, { role: "manager" })).status).toBe(200);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(seed.users.user.id, sid);
    expect(await grantReasons(seed.users.user.id)).toEqual(["role_changed"]);
  });

  it("the operator's set-role too", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid } = await appSession(seed.users.manager);
    const lines: string[] = [];
    expect(await runCli(["set-role", "--email", seed.users.manager.email, "--role", "user"], { deps: t.deps, io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } })).toBe(0);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(seed.users.manager.id, sid);
  });

  it("the company deleted", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid } = await appSession(seed.users.user);
    const admin = await signIn(t, seed.users.administrator);
    expect((await admin.post("/api/v1/company/delete", { confirmName: seed.company.name })).status).toBe(200);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(seed.users.user.id, sid);
  });

  it("signing out of Latchkey ends what the applications got through that session", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { tokens, sid, browser } = await appSession(seed.users.user);
    expect((await browser.post("/api/v1/auth/logout")).status).toBe(200);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(seed.users.user.id, sid);
    expect(await grantReasons(seed.users.user.id)).toEqual(["signed_out"]);
  });
});

describe("a team member acting in a linked company", () => {
  it("carries the company, the home company and how access is held", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency A", linked: "Client A" });
    const { tokens } = await appSession(setup.member, { company: setup.linked.id });
    expect(tokens.claims()).toMatchObject({
      company_id: setup.linked.id,
      company_name: "Client A",
      company_role: "manager",
      company_access: "grant",
      home_company_id: setup.parent.id,
      home_company_name: "Agency A",
    });
  });

  it("picks the company on the sign-in page (company=select)", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency B", linked: "Client B" });
    const { tokens } = await appSession(setup.member, { company: "select", companyId: setup.linked.id });
    expect(tokens.claims()?.company_id).toBe(setup.linked.id);
  });

  it("a revoked grant ends the grant's tokens for that company only, and a new authorization is refused", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency C", linked: "Client C" });
    const linked = await appSession(setup.member, { company: setup.linked.id });
    const own = await appSession(setup.member);
    receiver.received.length = 0;
    const admin = await signIn(t, await parentAdministrator(setup.parent));
    expect((await admin.delete(`/api/v1/users/${setup.member.id}/managed-companies/${setup.linked.id}`)).status).toBe(200);
    await refreshRefused(linked.tokens.refresh_token as string);
    await expectLogoutFor(setup.member.id, linked.sid);
    // Their own company's application session is untouched.
    expect((await oidc.refreshTokenGrant(client.config, own.tokens.refresh_token as string)).access_token).toBeTruthy();
    const again = await authorizationRequest(client, { company: setup.linked.id });
    const result = await signInThroughBrowser(setup.memberBrowser, again);
    expect(result.callback?.searchParams.get("error")).toBe("access_denied");
  });

  it("the re-check holds even when the grant goes behind the use cases' back", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency D", linked: "Client D" });
    const { tokens } = await appSession(setup.member, { company: setup.linked.id });
    await t.deps.db.execute(sql`delete from management_grants where team_member_id = ${setup.member.id}`);
    await refreshRefused(tokens.refresh_token as string);
  });

  it("un-linking the company", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency E", linked: "Client E" });
    const { tokens, sid } = await appSession(setup.member, { company: setup.linked.id });
    receiver.received.length = 0;
    expect((await unlinkCompany(t.deps.db, t.deps.jobs, { childId: setup.linked.id, now: t.clock.now() })).ok).toBe(true);
    await refreshRefused(tokens.refresh_token as string);
    await expectLogoutFor(setup.member.id, sid);
  });
});

describe("delivery", () => {
  it("retries a back-channel logout the application refused, until it answers 200", async () => {
    const seed = await createCompanyWithUsers(t.deps);
    const { sid } = await appSession(seed.users.user);
    receiver.failNext(1);
    const before = receiver.attempts;
    const admin = await signIn(t, seed.users.administrator);
    expect((await admin.post(`/api/v1/users/${seed.users.user.id}/deactivate`)).status).toBe(200);
    // pg-boss retries after its back-off (5 s and up): the second attempt is the one that lands.
    await receiver.waitFor(1, 45_000);
    expect(receiver.attempts - before).toBe(2);
    expect(decodeJwt(receiver.received[0]?.logoutToken as string).sid).toBe(sid);
  }, 60_000);
});

async function parentAdministrator(parent: { id: string; name: string }) {
  const { createUser } = await import("../support/factories.ts");
  return createUser(t.deps, parent, { role: "administrator" });
}

async function waitForLinkToken(user: SeedUser): Promise<string> {
  const { nextResetEmail } = await import("../support/password-reset.ts");
  return (await nextResetEmail(t, user.email)).token;
}
