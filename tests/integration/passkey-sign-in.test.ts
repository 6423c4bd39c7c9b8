import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, companies, passkeys, sessions, users } from "../../src/db/schema.ts";
import { LOGIN_LIMITS } from "../../src/features/auth/login.ts";
import { PASSKEY_CEREMONY_TTL_MS } from "../../src/features/passkeys/relying-party.ts";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { registerPasskey, setPasskeySignIn, signInWithPasskey } from "../support/passkeys.ts";
import { SoftwareAuthenticator } from "../support/software-authenticator.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

describe("passwordless sign-in with a passkey", () => {
  let t: TestApp;
  let address = 0;
  // Each test signs in from its own address, so the login limits of one do not reach another.
  const fresh = () => t.client(`10.77.${Math.floor(++address / 250)}.${address % 250}`);

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A user of a company that allows passkey sign-in, with one passkey registered. */
  async function userWithPasskey(allowed = true) {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    await setPasskeySignIn(t.deps, company.id, allowed);
    const { authenticator, passkey } = await registerPasskey(await signIn(t, members.user));
    return { user: members.user, other: members.manager, company, authenticator, passkey };
  }

  const refusal = async (reply: { status: number; body: unknown }) => {
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ error: { code: "PASSKEY_REFUSED", message: expect.any(String) } });
  };

  it("signs in without a password and without a second step, through login's own success path", async () => {
    const { user, company, authenticator, passkey } = await userWithPasskey();
    const browser = fresh();
    const options = await browser.post("/api/v1/auth/passkey/options", undefined, { host: "evil.example" });
    expect(options.body).toMatchObject({ rpId: "latchkey.test", userVerification: "required" });
    expect(options.body.allowCredentials ?? []).toEqual([]);
    expect(String(options.headers["set-cookie"])).toMatch(/__Host-latchkey_passkey=.*HttpOnly.*SameSite=Strict/iu);

    const reply = await browser.post("/api/v1/auth/passkey/verify", { response: authenticator.assert(options.body) });
    expect(reply.status).toBe(200);
    const me = await browser.get("/api/v1/auth/me");
    expect(me.body.user).toMatchObject({ id: user.id, companyId: company.id });
    expect([...browser.cookies.keys()]).not.toContain("__Host-latchkey_passkey");

    const [stored] = await t.deps.db.select().from(passkeys).where(eq(passkeys.id, passkey.id));
    expect(stored).toMatchObject({ signCount: authenticator.counter, lastUsedAt: t.clock.now() });
    const audit = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, user.id), eq(auditEvents.action, "login.succeeded")));
    expect(audit.at(-1)).toMatchObject({ outcome: "success", details: { method: "passkey" } });
    const list = (await browser.get("/api/v1/account/passkeys")).body.passkeys;
    expect(list[0].lastUsedAt).not.toBeNull();
  });

  it("answers a company without passkey sign-in exactly as an unknown passkey, and opens no session", async () => {
    const { user, authenticator } = await userWithPasskey(false);
    const refused = await signInWithPasskey(fresh(), authenticator);
    const unknown = await signInWithPasskey(fresh(), new SoftwareAuthenticator());
    await refusal(refused);
    await refusal(unknown);
    expect(refused.body).toEqual(unknown.body);
    const open = await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(open).toHaveLength(1); // the one that registered the passkey
  });

  it("refuses a deactivated user and a deleted company the same way", async () => {
    const deactivated = await userWithPasskey();
    await t.deps.db.update(users).set({ status: "deactivated", deactivatedAt: t.clock.now() }).where(eq(users.id, deactivated.user.id));
    await refusal(await signInWithPasskey(fresh(), deactivated.authenticator));
    const deleted = await userWithPasskey();
    await t.deps.db.update(companies).set({ deletedAt: t.clock.now() }).where(eq(companies.id, deleted.company.id));
    await refusal(await signInWithPasskey(fresh(), deleted.authenticator));
  });

  it("refuses answers for another origin or rpID, without user verification, or signed with another key", async () => {
    const { authenticator } = await userWithPasskey();
    for (const bend of [{ origin: "https://evil.example" }, { origin: "https://latchkey.test:8443" }, { rpId: "evil.example" }, { unverified: true }, { type: "webauthn.create" }]) {
      await refusal(await signInWithPasskey(fresh(), authenticator, (options) => authenticator.assert(options, bend)));
    }
    // An impostor who learnt the credential id signs with its own key.
    const impostor = new SoftwareAuthenticator();
    await refusal(
      await signInWithPasskey(fresh(), impostor, (options) => {
        const answer = impostor.assert(options);
        return { ...answer, id: authenticator.id, rawId: authenticator.id };
      }),
    );
    // Still good after all of those.
    expect((await signInWithPasskey(fresh(), authenticator)).status).toBe(200);
  });

  it("uses a ceremony once: a replayed answer, a challenge not of this ceremony, no cookie and an expired ceremony are refused", async () => {
    const { authenticator } = await userWithPasskey();
    const browser = fresh();
    const options = await browser.post("/api/v1/auth/passkey/options");
    const answer = authenticator.assert(options.body);
    const thief = browser.clone();
    expect((await browser.post("/api/v1/auth/passkey/verify", { response: answer })).status).toBe(200);
    await refusal(await thief.post("/api/v1/auth/passkey/verify", { response: answer }));

    // A challenge of another browser's ceremony, answered with this browser's cookie.
    const mine = fresh();
    await mine.post("/api/v1/auth/passkey/options");
    const theirs = await fresh().post("/api/v1/auth/passkey/options");
    await refusal(await mine.post("/api/v1/auth/passkey/verify", { response: authenticator.assert(theirs.body) }));

    const cookieless = fresh();
    const orphan = await fresh().post("/api/v1/auth/passkey/options");
    await refusal(await cookieless.post("/api/v1/auth/passkey/verify", { response: authenticator.assert(orphan.body) }));

    const slow = fresh();
    const late = await slow.post("/api/v1/auth/passkey/options");
    t.clock.advance(PASSKEY_CEREMONY_TTL_MS + 1000);
    await refusal(await slow.post("/api/v1/auth/passkey/verify", { response: authenticator.assert(late.body) }));
  });

  it("lets twenty concurrent answers to one ceremony open one session", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = fresh();
    const options = await browser.post("/api/v1/auth/passkey/options");
    const answer = authenticator.assert(options.body);
    const replies = await Promise.all(Array.from({ length: 20 }, () => browser.clone().post("/api/v1/auth/passkey/verify", { response: answer })));
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1);
    expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(2);
  });

  it("refuses a counter that does not move forward (a cloned authenticator)", async () => {
    const { authenticator } = await userWithPasskey();
    expect((await signInWithPasskey(fresh(), authenticator)).status).toBe(200);
    const used = authenticator.counter;
    await refusal(await signInWithPasskey(fresh(), authenticator, (options) => authenticator.assert(options, { counter: used })));
    await refusal(await signInWithPasskey(fresh(), authenticator, (options) => authenticator.assert(options, { counter: used - 1 })));
    expect((await signInWithPasskey(fresh(), authenticator)).status).toBe(200);
  });

  it("refuses an answer whose user handle names another user", async () => {
    const { authenticator, other } = await userWithPasskey();
    await refusal(await signInWithPasskey(fresh(), authenticator, (options) => authenticator.assert(options, { userHandle: Buffer.from(other.id).toString("base64url") })));
  });

  it("limits failures like logins: per credential and client, then 429", async () => {
    const { authenticator } = await userWithPasskey();
    const browser = fresh();
    for (let i = 0; i < LOGIN_LIMITS.accountClient.limit; i++) {
      await refusal(await signInWithPasskey(browser, authenticator, (options) => authenticator.assert(options, { origin: "https://evil.example" })));
    }
    const limited = await signInWithPasskey(browser, authenticator);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
  });

  it("refuses malformed answers with 400", async () => {
    const browser = fresh();
    await browser.post("/api/v1/auth/passkey/options");
    for (const body of [{}, { response: "x" }, { response: { id: "AA", rawId: "AA", type: "public-key", response: {}, clientExtensionResults: {} } }, { response: { id: "A".repeat(5000), rawId: "AA", type: "public-key", response: { clientDataJSON: "AA", authenticatorData: "AA", signature: "AA" }, clientExtensionResults: {} } }]) {
      expect((await browser.post("/api/v1/auth/passkey/verify", body)).status).toBe(400);
    }
  });
});
