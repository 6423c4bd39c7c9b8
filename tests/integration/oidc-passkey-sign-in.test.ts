import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, sessions, users } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, signIn, type SeedUser } from "../support/factories.ts";
import { authorizationRequest, exchange, follow, interactionUid, registerClient, type Authorization, type RegisteredClient } from "../support/oidc.ts";
import { registerPasskey, setPasskeySignIn } from "../support/passkeys.ts";
import { enrolTotp } from "../support/second-factor.ts";
import { SoftwareAuthenticator } from "../support/software-authenticator.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

describe("an application's sign-in with a passkey, without a password (decision 0045)", () => {
  let t: TestApp;
  let app: RegisteredClient;
  let address = 0;
  const fresh = () => t.client(`10.83.${Math.floor(++address / 250)}.${address % 250}`);

  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { SECRET_KEY: Buffer.alloc(32, 5).toString("hex") } });
    app = await registerClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function userWithPasskey(options: { allowed?: boolean; totp?: boolean } = {}) {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    const browser = await signIn(t, user, `10.84.0.${++address % 250}`);
    if (options.totp) await enrolTotp(t, browser);
    const { authenticator } = await registerPasskey(browser);
    await setPasskeySignIn(t.deps, company.id, options.allowed ?? true);
    return { user, company, authenticator };
  }

  /** A browser sent by the application to Latchkey's sign-in page, signed in nowhere. */
  async function landOnSignIn(): Promise<{ browser: TestClient; uid: string; authorization: Authorization }> {
    const browser = fresh();
    const authorization = await authorizationRequest(app);
    const first = await follow(browser, authorization.url);
    const uid = interactionUid(first.location ?? "");
    expect(uid).not.toBe("");
    return { browser, uid, authorization };
  }

  const passkeyStep = async (browser: TestClient, uid: string, answer: (options: { challenge: string }) => unknown) => {
    const options = await browser.post(`/interaction/${uid}/passkey/options`);
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ rpId: "latchkey.test", userVerification: "required" });
    expect(options.body.allowCredentials ?? []).toEqual([]);
    return browser.post(`/interaction/${uid}/passkey`, { response: answer(options.body) });
  };

  async function backToApplication(browser: TestClient, uid: string, authorization: Authorization) {
    const next = await browser.post(`/interaction/${uid}/continue`, {});
    expect(next.status).toBe(200);
    const done = await follow(browser, next.body.redirectTo);
    return exchange(app, new URL(done.location ?? ""), authorization);
  }

  it("signs in with the passkey alone and the application gets its tokens (openid-client), audited as a passkey sign-in", async () => {
    const { user, authenticator } = await userWithPasskey();
    const { browser, uid, authorization } = await landOnSignIn();
    expect((await browser.get(`/interaction/${uid}/details`)).body.user).toBeNull();
    const reply = await passkeyStep(browser, uid, (options) => authenticator.assert(options));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    expect((await browser.get(`/interaction/${uid}/details`)).body.user).toMatchObject({ email: user.email });
    const tokens = await backToApplication(browser, uid, authorization);
    expect(tokens.claims()?.sub).toBe(user.id);
    const audit = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, user.id), eq(auditEvents.action, "login.succeeded")));
    expect(audit.at(-1)?.details).toMatchObject({ method: "passkey" });
  });

  it("owes no second step even when the user has an authenticator app too (a user-verified passkey is two factors)", async () => {
    const { user, authenticator } = await userWithPasskey({ totp: true });
    const { browser, uid, authorization } = await landOnSignIn();
    const reply = await passkeyStep(browser, uid, (options) => authenticator.assert(options));
    expect(reply.body).toEqual({ ok: true });
    expect((await backToApplication(browser, uid, authorization)).claims()?.sub).toBe(user.id);
  });

  it("refuses where the company does not allow passkey sign-in, a deactivated user, an unknown passkey and bent answers — all one PASSKEY_REFUSED, no session, no code", async () => {
    const notAllowed = await userWithPasskey({ allowed: false });
    const deactivated = await userWithPasskey();
    await t.deps.db.update(users).set({ status: "deactivated", deactivatedAt: t.clock.now() }).where(eq(users.id, deactivated.user.id));
    const good = await userWithPasskey();
    const unknown = new SoftwareAuthenticator();
    unknown.userHandle = Buffer.from(good.user.id).toString("base64url");
    const attempts: Array<[SeedUser, (options: { challenge: string }) => unknown]> = [
      [notAllowed.user, (options) => notAllowed.authenticator.assert(options)],
      [deactivated.user, (options) => deactivated.authenticator.assert(options)],
      [good.user, (options) => unknown.assert(options)],
      [good.user, (options) => good.authenticator.assert(options, { origin: "https://evil.example" })],
      [good.user, (options) => good.authenticator.assert(options, { unverified: true })],
      [good.user, (options) => good.authenticator.assert(options, { challenge: "b3RoZXI" })],
    ];
    for (const [user, answer] of attempts) {
      const { browser, uid } = await landOnSignIn();
      const reply = await passkeyStep(browser, uid, answer);
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe("PASSKEY_REFUSED");
      expect((await browser.get(`/interaction/${uid}/details`)).body.user).toBeNull();
      expect((await browser.post(`/interaction/${uid}/continue`, {})).status).toBe(401);
      expect((await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.id))).length).toBeLessThanOrEqual(1); // the registering browser's only
    }
  });

  it("needs a live interaction: without one, or with another's uid, nothing is signed in", async () => {
    const { authenticator } = await userWithPasskey();
    const stranger = fresh();
    expect((await stranger.post("/interaction/no-such-uid/passkey/options")).status).toBe(404);
    const { uid } = await landOnSignIn();
    // Another browser, without the interaction's cookie, cannot use this uid.
    expect((await stranger.post(`/interaction/${uid}/passkey/options`)).status).toBe(404);
    expect((await stranger.post(`/interaction/${uid}/passkey`, { response: authenticator.assert({ challenge: "AAAA" }) })).status).toBe(404);
    expect((await stranger.get("/api/v1/auth/me")).status).toBe(401);
  });

  it("uses a ceremony once: a replayed answer is refused", async () => {
    const { authenticator } = await userWithPasskey();
    const { browser, uid } = await landOnSignIn();
    const options = await browser.post(`/interaction/${uid}/passkey/options`);
    const answer = authenticator.assert(options.body);
    const copy = browser.clone();
    expect((await browser.post(`/interaction/${uid}/passkey`, { response: answer })).status).toBe(200);
    const replay = await copy.post(`/interaction/${uid}/passkey`, { response: answer });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("PASSKEY_REFUSED");
  });
});
