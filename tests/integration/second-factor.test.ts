import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, companies, emails, rateLimits, recoveryCodes, secondFactorEnrolmentsDue, sessions, signInChallenges, totpFactors } from "../../src/db/schema.ts";
import { CHALLENGE_MAX_FAILURES, CHALLENGE_TTL_MS } from "../../src/features/second-factor/challenges.ts";
import { SECOND_STEP_LIMIT } from "../../src/features/second-factor/pending-sign-in.ts";
import { startTotpEnrolment } from "../../src/features/second-factor/totp-enrolment.ts";
import { totpCode } from "../../src/features/second-factor/totp.ts";
import type { Reply } from "../support/client.ts";
import { createCompany, createCompanyWithUsers, createUser, FACTORY_PASSWORD, signIn } from "../support/factories.ts";
import { NEW_PASSWORD, nextResetEmail, settleForgotPasswordJobs, sha256, submitNewPassword } from "../support/password-reset.ts";
import { currentCode, enrolTotp, passwordStep } from "../support/second-factor.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const KEY = Buffer.alloc(32, 7).toString("base64");
let address = 0;
const freshAddress = () => `203.0.113.${++address}`;
const observable = (reply: Reply) => {
  const { date: _date, ...headers } = reply.headers;
  return { status: reply.status, body: reply.body, headers };
};

describe("second factor: authenticator app, recovery codes and the second step", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SECRET_KEY: KEY } });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A user with an authenticator app turned on, and their browser signed out. */
  async function enrolledUser() {
    const { company } = await createCompanyWithUsers(t.deps);
    const user = await createUser(t.deps, company);
    const browser = await signIn(t, user, freshAddress());
    const enrolled = await enrolTotp(t, browser);
    return { company, user, ...enrolled };
  }
  const auditOf = (userId: string, action: string) => t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, userId), sql`${auditEvents.action} = ${action}`));
  const emailsTo = (userId: string) => t.deps.db.select().from(emails).where(and(eq(emails.userId, userId), eq(emails.kind, "second_factor_changed")));

  describe("turning it on in account settings", () => {
    it("shows a key and QR code, is no factor until a first code confirms it, then gives ten recovery codes once — audited and emailed", async () => {
      const { company } = await createCompanyWithUsers(t.deps);
      const user = await createUser(t.deps, company);
      const browser = await signIn(t, user, freshAddress());
      expect((await browser.get("/api/v1/account/second-factor")).body).toEqual({ totp: { status: "off", since: null }, recoveryCodesLeft: null, requiredFrom: null, enrolmentOwed: false });

      const started = await browser.post("/api/v1/account/second-factor/totp");
      expect(started.status).toBe(200);
      expect(started.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(started.body.otpauthUri).toContain(`secret=${started.body.secret}`);
      expect(started.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
      // Encrypted at rest under SECRET_KEY: the key is not in the row.
      const [row] = await t.deps.db.select().from(totpFactors).where(eq(totpFactors.userId, user.id));
      expect(row?.secret).toMatch(/^enc1:/);
      expect(row?.secret).not.toContain(started.body.secret);
      expect((await browser.get("/api/v1/account/second-factor")).body.totp.status).toBe("pending");
      // Pending is no factor: the password alone still signs in.
      expect((await passwordStep(t, user.email, freshAddress())).reply.body).toEqual({ ok: true });

      const wrong = await browser.post("/api/v1/account/second-factor/totp/confirm", { code: "000000" === currentCode(t, started.body.secret) ? "111111" : "000000" });
      expect(wrong.status).toBe(422);
      expect(wrong.body.error.code).toBe("TOTP_CODE_INCORRECT");

      const confirmed = await browser.post("/api/v1/account/second-factor/totp/confirm", { code: currentCode(t, started.body.secret) });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.recoveryCodes).toHaveLength(10);
      expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
      for (const code of confirmed.body.recoveryCodes) expect(code).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);
      // Stored as digests only.
      const stored = await t.deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
      expect(stored.map((r) => r.codeHash).join()).not.toContain(confirmed.body.recoveryCodes[0]);
      expect((await browser.get("/api/v1/account/second-factor")).body).toMatchObject({ totp: { status: "on" }, recoveryCodesLeft: 10 });
      expect(await auditOf(user.id, "second_factor.totp_enabled")).toHaveLength(1);
      expect((await emailsTo(user.id)).map((e) => e.subject)).toEqual(["Two-factor authentication is on"]);
      // A second app cannot replace the first while it is on.
      expect((await browser.post("/api/v1/account/second-factor/totp")).body.error.code).toBe("TOTP_ALREADY_ENABLED");
    });

    it("keeps the key as is without SECRET_KEY outside production, and refuses to set one up in production without it", async () => {
      const { company } = await createCompanyWithUsers(t.deps);
      const user = await createUser(t.deps, company);
      await startTotpEnrolment({ ...t.deps, config: { ...t.deps.config, secretKey: undefined } }, user);
      const [row] = await t.deps.db.select().from(totpFactors).where(eq(totpFactors.userId, user.id));
      expect(row?.secret).toMatch(/^plain:[A-Z2-7]{32}$/);
      await expect(startTotpEnrolment({ ...t.deps, config: { ...t.deps.config, env: "production", secretKey: undefined } }, user)).rejects.toMatchObject({ code: "TOTP_UNAVAILABLE" });
    });

    it("refuses bad input with 400 and changes nothing", async () => {
      const { company } = await createCompanyWithUsers(t.deps);
      const browser = await signIn(t, await createUser(t.deps, company), freshAddress());
      for (const body of [{}, { code: "" }, { code: "1".repeat(65) }, { code: ["123456"] }, { code: "123456", extra: 1 }]) {
        expect((await browser.post("/api/v1/account/second-factor/totp/confirm", body)).status).toBe(400);
      }
      expect((await browser.post("/api/v1/account/second-factor/totp/confirm", { code: "123456" })).body.error.code).toBe("TOTP_NOT_ENABLED");
    });

    it("refuses every account route without a session", async () => {
      const anonymous = t.client(freshAddress());
      expect((await anonymous.get("/api/v1/account/second-factor")).status).toBe(401);
      for (const [path, body] of [["/api/v1/account/second-factor/totp", undefined], ["/api/v1/account/second-factor/totp/confirm", { code: "123456" }], ["/api/v1/account/second-factor/totp/disable", { password: "x" }], ["/api/v1/account/second-factor/recovery-codes", { password: "x" }]] as const) {
        expect((await anonymous.post(path, body)).status).toBe(401);
      }
    });
  });

  describe("the second step at sign-in", () => {
    it("opens no session after the password: a challenge bound to the browser by an HttpOnly cookie, stored as its digest", async () => {
      const { user } = await enrolledUser();
      const { client, reply } = await passwordStep(t, user.email, freshAddress());
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ ok: true, secondStep: { purpose: "second_factor", methods: ["totp", "recovery_code"], expiresAt: new Date(t.clock.now().getTime() + CHALLENGE_TTL_MS).toISOString() } });
      const setCookie = String(reply.headers["set-cookie"]);
      expect(setCookie).not.toContain("latchkey_session=");
      expect(setCookie).toMatch(/__Host-latchkey_sign_in=[^;]+; Max-Age=300; Path=\/; HttpOnly; Secure; SameSite=Lax/);
      const token = client.cookies.get("__Host-latchkey_sign_in") ?? "";
      const [challenge] = await t.deps.db.select().from(signInChallenges).where(eq(signInChallenges.tokenHash, sha256(decodeURIComponent(token))));
      expect(challenge).toMatchObject({ userId: user.id, purpose: "second_factor", failures: 0, usedAt: null });
      expect((await client.get("/api/v1/auth/me")).status).toBe(401);
      expect((await client.get("/api/v1/auth/second-factor")).body).toMatchObject({ purpose: "second_factor", methods: ["totp", "recovery_code"], recoveryCodesLeft: null });
      expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(1); // the enrolling browser's only
    });

    it("opens the session with the current code, once: the challenge is consumed and the code cannot be replayed", async () => {
      const { user, secret } = await enrolledUser();
      const { client } = await passwordStep(t, user.email, freshAddress());
      const code = currentCode(t, secret);
      const done = await client.post("/api/v1/auth/second-factor", { method: "totp", code });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ ok: true, recoveryCodesLeft: null });
      expect((await client.get("/api/v1/auth/me")).body.user.id).toBe(user.id);
      expect(client.cookies.has("__Host-latchkey_sign_in")).toBe(false);
      expect(await auditOf(user.id, "login.succeeded")).toHaveLength(2);

      // The same code again, through a new password step, in the same 30 seconds: refused.
      const again = await passwordStep(t, user.email, freshAddress());
      const replay = await again.client.post("/api/v1/auth/second-factor", { method: "totp", code });
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe("SECOND_FACTOR_INCORRECT");
      expect((await again.client.get("/api/v1/auth/me")).status).toBe(401);
    });

    it("writes a success's rows only when the code's step was unused: a replayed code leaves the challenge live, opens nothing and settles no limit", async () => {
      const { user, secret } = await enrolledUser();
      const from = freshAddress();
      const stepKey = `second-factor:account-client:${user.id}:${from}`;
      const accountKey = `login:account-client:${user.email.toLowerCase()}:${from}`;
      const limitRow = async (key: string) => (await t.deps.db.select().from(rateLimits).where(eq(rateLimits.key, key)))[0];
      // Read before the step: a success clears the cookie.
      const challengeOf = (client: { cookies: Map<string, string> }) => {
        const digest = sha256(decodeURIComponent(client.cookies.get("__Host-latchkey_sign_in") ?? ""));
        return async () => (await t.deps.db.select().from(signInChallenges).where(eq(signInChallenges.tokenHash, digest)))[0];
      };
      const sessionsOf = async () => (await t.deps.db.select().from(sessions).where(eq(sessions.userId, user.id))).length;

      const first = await passwordStep(t, user.email, from);
      const firstChallenge = challengeOf(first.client);
      const code = currentCode(t, secret);
      expect((await first.client.post("/api/v1/auth/second-factor", { method: "totp", code })).status).toBe(200);
      expect((await firstChallenge())?.usedAt).not.toBeNull();
      expect(await limitRow(stepKey)).toMatchObject({ count: 0 });
      expect(await limitRow(accountKey)).toMatchObject({ count: 0 });

      const before = { sessions: await sessionsOf(), logins: (await auditOf(user.id, "login.succeeded")).length, failed: (await auditOf(user.id, "second_factor.failed")).length };
      const second = await passwordStep(t, user.email, from);
      const secondChallenge = challengeOf(second.client);
      const replay = await second.client.post("/api/v1/auth/second-factor", { method: "totp", code });
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe("SECOND_FACTOR_INCORRECT");
      expect(await secondChallenge()).toMatchObject({ usedAt: null, failures: 1 });
      expect(await sessionsOf()).toBe(before.sessions);
      expect(await auditOf(user.id, "login.succeeded")).toHaveLength(before.logins);
      expect(await auditOf(user.id, "second_factor.failed")).toHaveLength(before.failed + 1);
      // The password step counted the account's attempt and the code step its own: neither given back.
      expect(await limitRow(stepKey)).toMatchObject({ count: 1 });
      expect(await limitRow(accountKey)).toMatchObject({ count: 1 });

      // The same challenge is still good for the next step's code, which settles both.
      t.clock.advance(30_000);
      expect((await second.client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) })).status).toBe(200);
      expect(await sessionsOf()).toBe(before.sessions + 1);
      expect(await limitRow(stepKey)).toMatchObject({ count: 0 });
      expect(await limitRow(accountKey)).toMatchObject({ count: 0 });
      expect(await secondChallenge()).toMatchObject({ failures: 1 });
      expect((await secondChallenge())?.usedAt).not.toBeNull();
    });

    it("accepts one step of drift either way, and nothing further", async () => {
      const { user, secret } = await enrolledUser();
      // Two steps past the one the enrolment used.
      t.clock.advance(60_000);
      const at = (offsetSteps: number) => totpCode(secret, new Date(t.clock.now().getTime() + offsetSteps * 30_000));
      const tryCode = async (code: string) => (await (await passwordStep(t, user.email, freshAddress())).client.post("/api/v1/auth/second-factor", { method: "totp", code })).status;
      expect(await tryCode(at(-2))).toBe(401);
      expect(await tryCode(at(2))).toBe(401);
      expect(await tryCode(at(-1))).toBe(200);
      // The step after the last used one still works; a step at or before it never again.
      expect(await tryCode(at(0))).toBe(200);
      expect(await tryCode(at(-1))).toBe(401);
      expect(await tryCode(at(1))).toBe(200);
      expect(await tryCode(at(0))).toBe(401);
    });

    it("signs in with a recovery code once, says how many are left, and audits and emails its use", async () => {
      const { user, recoveryCodes: codes } = await enrolledUser();
      const [first] = codes;
      if (!first) throw new Error("no codes");
      const { client } = await passwordStep(t, user.email, freshAddress());
      const done = await client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: ` ${first.toUpperCase().replaceAll("-", " ")} ` });
      expect(done.status).toBe(200);
      expect(done.body.recoveryCodesLeft).toBe(9);
      expect(await auditOf(user.id, "second_factor.recovery_code_used")).toHaveLength(1);
      expect((await emailsTo(user.id)).map((e) => e.subject)).toContain("A recovery code was used to sign in");

      const twice = await (await passwordStep(t, user.email, freshAddress())).client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: first });
      expect(twice.status).toBe(401);
      expect(twice.body.error.code).toBe("SECOND_FACTOR_INCORRECT");
      // A TOTP code is no recovery code, and the reverse.
      expect((await (await passwordStep(t, user.email, freshAddress())).client.post("/api/v1/auth/second-factor", { method: "totp", code: codes[1] })).status).toBe(401);
    });

    it("says how many recovery codes are left when few are", async () => {
      const { user, recoveryCodes: codes } = await enrolledUser();
      for (const code of codes.slice(0, 7)) expect((await (await passwordStep(t, user.email, freshAddress())).client.post("/api/v1/auth/second-factor", { method: "recovery_code", code })).status).toBe(200);
      const { client } = await passwordStep(t, user.email, freshAddress());
      expect((await client.get("/api/v1/auth/second-factor")).body.recoveryCodesLeft).toBe(3);
    });

    it("gives one answer for no challenge, an unknown, an expired, a used and a dead one — whatever the code", async () => {
      const { user, secret } = await enrolledUser();
      const submit = (client: ReturnType<TestApp["client"]>) => client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) });
      const none = await submit(t.client(freshAddress()));
      const unknown = t.client(freshAddress());
      unknown.cookies.set("__Host-latchkey_sign_in", "x".repeat(43));
      const unknownReply = await submit(unknown);

      const expired = await passwordStep(t, user.email, freshAddress());
      t.clock.advance(CHALLENGE_TTL_MS);
      const expiredReply = await submit(expired.client);

      const used = await passwordStep(t, user.email, freshAddress());
      const stale = used.client.clone();
      expect((await submit(used.client)).status).toBe(200);
      t.clock.advance(30_000);
      const usedReply = await submit(stale);

      const dead = await passwordStep(t, user.email, freshAddress());
      for (let i = 0; i < CHALLENGE_MAX_FAILURES; i++) expect((await dead.client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: "aaaa-bbbb-cccc-dddd" })).body.error.code).toBe("SECOND_FACTOR_INCORRECT");
      const deadReply = await submit(dead.client);

      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe("SIGN_IN_EXPIRED");
      for (const reply of [unknownReply, expiredReply, usedReply, deadReply]) expect(observable(reply)).toEqual(observable(none));
      expect(await auditOf(user.id, "second_factor.failed")).toHaveLength(CHALLENGE_MAX_FAILURES);
    });

    it("checks a code against the challenge's own user: another user's code on my challenge, or my code on theirs, signs nobody in", async () => {
      const victim = await enrolledUser();
      const attacker = await enrolledUser();
      const attackerStep = await passwordStep(t, attacker.user.email, freshAddress());
      const stolen = await attackerStep.client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, victim.secret) });
      expect(stolen.status).toBe(401);
      const victimRecovery = await attackerStep.client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: victim.recoveryCodes[0] });
      expect(victimRecovery.status).toBe(401);
      expect((await attackerStep.client.get("/api/v1/auth/me")).status).toBe(401);
      // The victim's code is still good for the victim.
      const victimStep = await passwordStep(t, victim.user.email, freshAddress());
      expect((await victimStep.client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, victim.secret) })).status).toBe(200);
    });

    it("limits codes per account and client like passwords, across challenges", async () => {
      const { user, secret } = await enrolledUser();
      const from = freshAddress();
      // Two challenges of five wrong codes each (each dies after five): the account's ten for this client.
      for (let round = 0; round < SECOND_STEP_LIMIT.limit / CHALLENGE_MAX_FAILURES; round++) {
        const { client } = await passwordStep(t, user.email, from);
        for (let i = 0; i < CHALLENGE_MAX_FAILURES; i++) expect((await client.post("/api/v1/auth/second-factor", { method: "totp", code: "000001" })).status).toBe(401);
      }
      const { client } = await passwordStep(t, user.email, from);
      const last = await client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) });
      expect(last.status).toBe(429);
      expect(last.headers["retry-after"]).toBeDefined();
      // Another client is not held back by it.
      const elsewhere = await passwordStep(t, user.email, freshAddress());
      expect((await elsewhere.client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) })).status).toBe(200);
    });

    it("lets exactly one of ten parallel submissions of one valid code through, on one challenge and across ten", async () => {
      const { user, secret } = await enrolledUser();
      const one = await passwordStep(t, user.email, freshAddress());
      const code = currentCode(t, secret);
      const sameChallenge = await Promise.all(Array.from({ length: 10 }, () => one.client.clone().post("/api/v1/auth/second-factor", { method: "totp", code })));
      expect(sameChallenge.filter((r) => r.status === 200)).toHaveLength(1);

      t.clock.advance(30_000);
      const steps = await Promise.all(Array.from({ length: 10 }, () => passwordStep(t, user.email, freshAddress())));
      const next = currentCode(t, secret);
      const acrossChallenges = await Promise.all(steps.map(({ client }) => client.post("/api/v1/auth/second-factor", { method: "totp", code: next })));
      expect(acrossChallenges.filter((r) => r.status === 200)).toHaveLength(1);
      expect(acrossChallenges.filter((r) => r.status === 401)).toHaveLength(9);
    });

    it("refuses bad input with 400", async () => {
      const { user } = await enrolledUser();
      const { client } = await passwordStep(t, user.email, freshAddress());
      for (const body of [{ code: "123456" }, { method: "sms", code: "123456" }, { method: "totp" }, { method: "totp", code: 123456 }, { method: "totp", code: "1".repeat(65) }]) {
        expect((await client.post("/api/v1/auth/second-factor", body)).status).toBe(400);
      }
    });

    it("still asks for the factor after a password reset by link", async () => {
      const { user, secret } = await enrolledUser();
      const since = t.smtp.messages.length;
      expect((await t.client(freshAddress()).post("/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
      await settleForgotPasswordJobs(t);
      const { token } = await nextResetEmail(t, user.email, since);
      const browser = t.client(freshAddress());
      expect((await submitNewPassword(browser, token)).status).toBe(200);
      expect((await browser.get("/api/v1/auth/me")).status).toBe(401);
      const { client, reply } = await passwordStep(t, user.email, freshAddress(), NEW_PASSWORD);
      expect(reply.body.secondStep?.purpose).toBe("second_factor");
      expect((await client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) })).status).toBe(200);
    });
  });

  describe("turning it off and new recovery codes", () => {
    it("asks for the password, removes the app and its recovery codes, audits and emails; the password alone then signs in", async () => {
      const { user, secret } = await enrolledUser();
      const browser = await signInThroughSecondStep(user.email, secret);
      const wrong = await browser.post("/api/v1/account/second-factor/totp/disable", { password: "not the password at all" });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe("CURRENT_PASSWORD_INCORRECT");
      expect((await browser.post("/api/v1/account/second-factor/totp/disable", { password: FACTORY_PASSWORD })).status).toBe(200);
      expect(await t.deps.db.select().from(totpFactors).where(eq(totpFactors.userId, user.id))).toHaveLength(0);
      expect(await t.deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toHaveLength(0);
      expect(await auditOf(user.id, "second_factor.totp_disabled")).toHaveLength(1);
      expect((await emailsTo(user.id)).map((e) => e.subject)).toContain("Your authenticator app was turned off");
      expect((await passwordStep(t, user.email, freshAddress())).reply.body).toEqual({ ok: true });
      expect((await browser.post("/api/v1/account/second-factor/totp/disable", { password: FACTORY_PASSWORD })).body.error.code).toBe("TOTP_NOT_ENABLED");
    });

    it("replaces the recovery codes (password asked), voiding the old set", async () => {
      const { user, recoveryCodes: old, secret } = await enrolledUser();
      const browser = await signInThroughSecondStep(user.email, secret);
      expect((await browser.post("/api/v1/account/second-factor/recovery-codes", { password: "wrong wrong wrong" })).status).toBe(400);
      const fresh = await browser.post("/api/v1/account/second-factor/recovery-codes", { password: FACTORY_PASSWORD });
      expect(fresh.status).toBe(200);
      expect(fresh.body.recoveryCodes).toHaveLength(10);
      expect(await auditOf(user.id, "second_factor.recovery_codes_regenerated")).toHaveLength(1);
      expect((await (await passwordStep(t, user.email, freshAddress())).client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: old[1] })).status).toBe(401);
      expect((await (await passwordStep(t, user.email, freshAddress())).client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: fresh.body.recoveryCodes[0] })).status).toBe(200);
    });

    it("makes no recovery codes for a user without a factor", async () => {
      const { company } = await createCompanyWithUsers(t.deps);
      const browser = await signIn(t, await createUser(t.deps, company), freshAddress());
      expect((await browser.post("/api/v1/account/second-factor/recovery-codes", { password: FACTORY_PASSWORD })).body.error.code).toBe("NO_SECOND_FACTOR");
    });

    async function signInThroughSecondStep(email: string, secret: string) {
      const { client } = await passwordStep(t, email, freshAddress());
      const done = await client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) });
      if (done.status !== 200) throw new Error(`second step refused: ${JSON.stringify(done.body)}`);
      t.clock.advance(30_000);
      return client;
    }
  });
});
