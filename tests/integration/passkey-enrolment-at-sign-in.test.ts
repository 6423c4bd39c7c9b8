import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, companies, emails, passkeys, secondFactorEnrolmentsDue, sessions, signInChallenges } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { currentCode } from "../support/second-factor.ts";
import { SoftwareAuthenticator } from "../support/software-authenticator.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const OPTIONS = "/api/v1/auth/second-factor/enrol/passkey/options";
const FINISH = "/api/v1/auth/second-factor/enrol/passkey";

describe("a passkey set up at the enrolment step of a sign-in (decision 0045)", () => {
  let t: TestApp;
  let address = 0;
  const fresh = () => t.client(`10.81.${Math.floor(++address / 250)}.${address % 250}`);

  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { SECRET_KEY: Buffer.alloc(32, 7).toString("hex") } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const passkeysOf = (userId: string) => t.deps.db.select().from(passkeys).where(eq(passkeys.userId, userId));
  const sessionsOf = async (userId: string) => (await t.deps.db.select().from(sessions).where(eq(sessions.userId, userId))).length;
  const dueOf = (userId: string) => t.deps.db.select().from(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, userId));

  /** A user whose administrator reset their factors: their next sign-in owes an enrolment. */
  async function userOwingEnrolment(): Promise<SeedUser> {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    await t.deps.db.insert(secondFactorEnrolmentsDue).values({ userId: user.id, reason: "reset", since: t.clock.now() });
    return user;
  }

  /** The password, right: a browser half-signed-in, owing an enrolment. */
  async function password(user: SeedUser, browser: TestClient = fresh(), reason: "reset" | "policy" = "reset"): Promise<TestClient> {
    const reply = await browser.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
    expect(reply.status).toBe(200);
    expect(reply.body.secondStep).toMatchObject({ purpose: "enrol", methods: ["totp", "passkey"], reason });
    return browser;
  }

  async function enrol(browser: TestClient, authenticator: SoftwareAuthenticator, bend: Parameters<SoftwareAuthenticator["register"]>[1] = {}) {
    const options = await browser.post(OPTIONS);
    expect(options.status).toBe(200);
    return browser.post(FINISH, { response: authenticator.register(options.body, bend) });
  }

  it("after an administrator's reset: registers the passkey, settles the enrolment, audits, emails and signs in", async () => {
    const user = await userOwingEnrolment();
    const browser = await password(user);
    const options = await browser.post(OPTIONS, undefined, { host: "evil.example" });
    expect(options.body).toMatchObject({ rp: { id: "latchkey.test" }, user: { name: user.email }, attestation: "none", authenticatorSelection: { residentKey: "required", userVerification: "required" } });
    const authenticator = new SoftwareAuthenticator();
    const reply = await browser.post(FINISH, { response: authenticator.register(options.body) });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true });
    expect((await browser.get("/api/v1/auth/me")).body.user.id).toBe(user.id);

    expect(await passkeysOf(user.id)).toEqual([expect.objectContaining({ credentialId: authenticator.id, name: expect.stringMatching(/^Passkey/) })]);
    expect(await dueOf(user.id)).toHaveLength(0);
    const audit = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, user.id), eq(auditEvents.action, "passkey.registered")));
    expect(audit).toEqual([expect.objectContaining({ actorUserId: user.id, clientAddress: expect.stringMatching(/^10\.81\./) })]);
    expect(await t.deps.db.select().from(emails).where(eq(emails.userId, user.id))).toEqual([expect.objectContaining({ kind: "passkey_added", toAddress: user.email })]);

    // The next sign-in owes the second step, with this passkey.
    const next = fresh();
    const again = await next.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
    expect(again.body.secondStep).toMatchObject({ purpose: "second_factor", methods: ["passkey"] });
    const stepOptions = await next.post("/api/v1/auth/second-factor/passkey/options");
    expect((await next.post("/api/v1/auth/second-factor/passkey", { response: authenticator.assert(stepOptions.body) })).status).toBe(200);
  });

  it("when the company's policy requires a factor past its grace period, too", async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    await t.deps.db.update(companies).set({ secondFactorRequiredAt: new Date(t.clock.now().getTime() - 1000), secondFactorGraceDays: 0 }).where(eq(companies.id, company.id));
    const browser = await password(user, fresh(), "policy");
    expect((await browser.get("/api/v1/auth/second-factor")).body).toMatchObject({ purpose: "enrol", reason: "policy" });
    // A reset outranks the policy in what the page is told.
    await t.deps.db.insert(secondFactorEnrolmentsDue).values({ userId: user.id, reason: "reset", since: t.clock.now() });
    expect((await browser.get("/api/v1/auth/second-factor")).body).toMatchObject({ purpose: "enrol", reason: "reset" });
    expect((await enrol(browser, new SoftwareAuthenticator())).status).toBe(200);
    expect((await browser.get("/api/v1/auth/me")).status).toBe(200);
  });

  it("refuses without a live half-finished sign-in: no cookie, an expired one, a used one", async () => {
    const user = await userOwingEnrolment();
    const authenticator = new SoftwareAuthenticator();
    const nobody = fresh();
    expect((await nobody.post(OPTIONS)).body.error.code).toBe("SIGN_IN_EXPIRED");
    expect((await nobody.post(FINISH, { response: authenticator.register({ challenge: "AAAA", user: { id: "AA" } }) })).body.error.code).toBe("SIGN_IN_EXPIRED");

    const browser = await password(user);
    const options = await browser.post(OPTIONS);
    t.clock.advance(5 * 60_000 + 1);
    const late = await browser.post(FINISH, { response: authenticator.register(options.body) });
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe("SIGN_IN_EXPIRED");
    expect((await browser.post(OPTIONS)).status).toBe(401);
    expect(await passkeysOf(user.id)).toHaveLength(0);
    expect(await sessionsOf(user.id)).toBe(0);
  });

  it("refuses another browser's half-finished sign-in: options asked in one, answered from another", async () => {
    const a = await userOwingEnrolment();
    const b = await userOwingEnrolment();
    const browserA = await password(a);
    const browserB = await password(b);
    const optionsA = await browserA.post(OPTIONS);
    const authenticator = new SoftwareAuthenticator();
    // B's browser never asked for options: nothing to answer.
    const noOptions = await browserB.post(FINISH, { response: authenticator.register(optionsA.body) });
    expect(noOptions.status).toBe(401);
    expect(noOptions.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    // B's browser asked for its own: A's challenge does not answer them.
    await browserB.post(OPTIONS);
    const crossed = await browserB.post(FINISH, { response: authenticator.register(optionsA.body) });
    expect(crossed.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    expect(await passkeysOf(a.id)).toHaveLength(0);
    expect(await passkeysOf(b.id)).toHaveLength(0);
    expect(await sessionsOf(b.id)).toBe(0);
    // A's own browser still finishes with A's options.
    expect((await browserA.post(FINISH, { response: authenticator.register(optionsA.body) })).status).toBe(200);
    expect(await passkeysOf(a.id)).toHaveLength(1);
  });

  it("refuses a half-finished sign-in that owes the code step, not an enrolment", async () => {
    const user = await userOwingEnrolment();
    const browser = await password(user);
    expect((await enrol(browser, new SoftwareAuthenticator())).status).toBe(200);
    // Now the user has a passkey: a sign-in's half-finished step is `second_factor`.
    const next = fresh();
    expect((await next.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD })).body.secondStep.purpose).toBe("second_factor");
    expect((await next.post(OPTIONS)).body.error.code).toBe("SIGN_IN_EXPIRED");
    const stray = await next.post(FINISH, { response: new SoftwareAuthenticator().register({ challenge: "AAAA", user: { id: "AA" } }) });
    expect(stray.status).toBe(401);
    expect(stray.body.error.code).toBe("SIGN_IN_EXPIRED");
    expect(await passkeysOf(user.id)).toHaveLength(1);
  });

  it("refuses a bad attestation — another origin, another rpID, no user verification, an assertion's type, another challenge, garbage — counting each against the sign-in", async () => {
    const user = await userOwingEnrolment();
    const bends = [{ origin: "https://evil.example" }, { rpId: "evil.example" }, { unverified: true }, { type: "webauthn.get" }, { challenge: "c2lnbmVkLXNvbWV0aGluZy1lbHNl" }];
    for (const bend of bends) {
      const browser = await password(user);
      const reply = await enrol(browser, new SoftwareAuthenticator(), bend);
      expect(reply.status, JSON.stringify(bend)).toBe(401);
      expect(reply.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
      expect(reply.body.error.message).toMatch(/passkey/);
    }
    const browser = await password(user);
    await browser.post(OPTIONS);
    const authenticator = new SoftwareAuthenticator();
    const garbage = { ...authenticator.register({ challenge: "AAAA", user: { id: "AA" } }), response: { clientDataJSON: "AA", attestationObject: "AA" } };
    expect((await browser.post(FINISH, { response: garbage })).body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    expect(await passkeysOf(user.id)).toHaveLength(0);
    expect(await sessionsOf(user.id)).toBe(0);
    const failures = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, user.id), eq(auditEvents.action, "second_factor.failed")));
    expect(failures).toHaveLength(bends.length + 1);
    // The enrolment is still owed.
    expect(await dueOf(user.id)).toHaveLength(1);
  });

  it("answers only the latest options, and a finished enrolment's answer cannot be replayed", async () => {
    const user = await userOwingEnrolment();
    const browser = await password(user);
    const authenticator = new SoftwareAuthenticator();
    const first = await browser.post(OPTIONS);
    const second = await browser.post(OPTIONS);
    const stale = await browser.post(FINISH, { response: authenticator.register(first.body) });
    expect(stale.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    const answer = authenticator.register(second.body);
    const copy = browser.clone();
    expect((await browser.post(FINISH, { response: answer })).status).toBe(200);
    const replay = await copy.post(FINISH, { response: answer });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("SIGN_IN_EXPIRED");
    expect(await passkeysOf(user.id)).toHaveLength(1);
    expect(await sessionsOf(user.id)).toBe(1);
  });

  it("refuses a user who already has a factor: a second half-finished sign-in cannot add one of its own, by passkey or app", async () => {
    const user = await userOwingEnrolment();
    const mine = await password(user);
    const theirs = await password(user); // someone else holding the password, at the same time
    const theirOptions = await theirs.post(OPTIONS);
    const theirTotp = await theirs.post("/api/v1/auth/second-factor/enrol/totp");
    expect(theirTotp.status).toBe(200);
    expect((await enrol(mine, new SoftwareAuthenticator())).status).toBe(200);

    const late = await theirs.post(FINISH, { response: new SoftwareAuthenticator().register(theirOptions.body) });
    expect(late.status).toBe(401);
    expect(late.body.error.code).toBe("SIGN_IN_EXPIRED");
    expect((await theirs.post(OPTIONS)).body.error.code).toBe("SIGN_IN_EXPIRED");
    const app = await theirs.post("/api/v1/auth/second-factor/enrol/totp/confirm", { code: currentCode(t, theirTotp.body.secret) });
    expect(app.status).toBe(401);
    expect(app.body.error.code).toBe("SIGN_IN_EXPIRED");
    expect(await passkeysOf(user.id)).toHaveLength(1);
    expect(await sessionsOf(user.id)).toBe(1);
    // The half-finished sign-in was not used up by the refusal, but it can do nothing: its row stays unused.
    const rows = await t.deps.db.select().from(signInChallenges).where(and(eq(signInChallenges.userId, user.id), eq(signInChallenges.purpose, "enrol")));
    expect(rows.filter((row) => row.usedAt !== null)).toHaveLength(1);
  });

  it("refuses malformed answers with 400", async () => {
    const user = await userOwingEnrolment();
    const browser = await password(user);
    await browser.post(OPTIONS);
    for (const body of [{}, { response: { id: "AA" } }, { response: "x" }, { response: new SoftwareAuthenticator().assert({ challenge: "AAAA" }) }]) expect((await browser.post(FINISH, body)).status).toBe(400);
  });
});
