import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emails, passkeys, recoveryCodes, secondFactorEnrolmentsDue, signInChallenges, totpFactors } from "../../src/db/schema.ts";
import { PASSKEY_CEREMONY_TTL_MS } from "../../src/features/passkeys/relying-party.ts";
import { createCompanyWithUsers, FACTORY_PASSWORD, signIn } from "../support/factories.ts";
import { registerPasskey } from "../support/passkeys.ts";
import { SoftwareAuthenticator } from "../support/software-authenticator.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

describe("passkeys in account settings: register, rename, remove", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const passkeysOf = (userId: string) => t.deps.db.select().from(passkeys).where(eq(passkeys.userId, userId));
  const emailsOf = (userId: string) => t.deps.db.select().from(emails).where(eq(emails.userId, userId));
  const auditOf = (userId: string, action: "passkey.registered" | "passkey.removed" | "passkey.renamed") =>
    t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, userId), eq(auditEvents.action, action)));

  async function signedInUser() {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    return { user: members.user, other: members.manager, company, browser: await signIn(t, members.user) };
  }

  it("registers a discoverable, user-verified passkey bound to PUBLIC_URL, named after the device, audited and emailed", async () => {
    const { user, browser } = await signedInUser();
    const options = await browser.post("/api/v1/account/passkeys/options", undefined, { host: "evil.example", "x-forwarded-host": "evil.example" });
    expect(options.status).toBe(200);
    expect(options.body.rp).toEqual({ id: "latchkey.test", name: "Latchkey" });
    expect(options.body.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(options.body.user).toMatchObject({ name: user.email, id: Buffer.from(user.id).toString("base64url") });

    const authenticator = new SoftwareAuthenticator();
    const reply = await browser.post("/api/v1/account/passkeys", { response: authenticator.register(options.body) }, { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140" });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ name: "Passkey on Linux", lastUsedAt: null, synced: false });

    const [stored] = await passkeysOf(user.id);
    expect(stored).toMatchObject({ credentialId: authenticator.id, signCount: 1, transports: ["internal"], deviceType: "singleDevice" });
    expect(JSON.stringify(reply.body)).not.toContain(authenticator.id);
    expect((await browser.get("/api/v1/account/passkeys")).body.passkeys).toEqual([expect.objectContaining({ id: stored?.id, name: "Passkey on Linux" })]);
    expect(await auditOf(user.id, "passkey.registered")).toHaveLength(1);
    const mail = await emailsOf(user.id);
    expect(mail).toEqual([expect.objectContaining({ kind: "passkey_added", toAddress: user.email })]);
    expect(mail[0]?.text).toContain("Passkey on Linux");
    expect(mail[0]?.text).toContain("https://latchkey.test/account");
  });

  it("settles an enrolment an administrator's reset left owed", async () => {
    const { user, browser } = await signedInUser();
    await t.deps.db.insert(secondFactorEnrolmentsDue).values({ userId: user.id, reason: "reset", since: t.clock.now() });
    await registerPasskey(browser);
    expect(await t.deps.db.select().from(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, user.id))).toHaveLength(0);
  });

  it("takes the name the owner gives, and numbers a default name already taken", async () => {
    const { user, browser } = await signedInUser();
    await registerPasskey(browser, "Office laptop");
    await registerPasskey(browser);
    await registerPasskey(browser);
    expect((await passkeysOf(user.id)).map((p) => p.name).sort()).toEqual(["Office laptop", "Passkey", "Passkey 2"]);
  });

  it("refuses an answer made for another origin or rpID, without user verification, or of the wrong type — and stores nothing", async () => {
    const { user, browser } = await signedInUser();
    for (const bend of [{ origin: "https://evil.example" }, { origin: "http://latchkey.test" }, { rpId: "evil.example" }, { unverified: true }, { type: "webauthn.get" }]) {
      const options = await browser.post("/api/v1/account/passkeys/options");
      const reply = await browser.post("/api/v1/account/passkeys", { response: new SoftwareAuthenticator().register(options.body, bend) });
      expect(reply.status, JSON.stringify(bend)).toBe(400);
      expect(reply.body.error.code).toBe("PASSKEY_NOT_VERIFIED");
    }
    expect(await passkeysOf(user.id)).toHaveLength(0);
    expect(await emailsOf(user.id)).toHaveLength(0);
  });

  it("uses a challenge once: a replayed answer, a challenge never issued, another user's challenge and an expired one are refused", async () => {
    const { user, other, browser } = await signedInUser();
    const authenticator = new SoftwareAuthenticator();
    const options = await browser.post("/api/v1/account/passkeys/options");
    const answer = authenticator.register(options.body);
    expect((await browser.post("/api/v1/account/passkeys", { response: answer })).status).toBe(201);
    const replay = await browser.post("/api/v1/account/passkeys", { response: answer });
    expect(replay.status).toBe(400);

    const invented = await browser.post("/api/v1/account/passkeys", { response: new SoftwareAuthenticator().register({ challenge: "bm90LWlzc3VlZA", user: { id: "x" } }) });
    expect(invented.status).toBe(400);

    // The other user's live challenge, answered in this user's session.
    const otherBrowser = await signIn(t, other);
    const theirs = await otherBrowser.post("/api/v1/account/passkeys/options");
    expect((await browser.post("/api/v1/account/passkeys", { response: new SoftwareAuthenticator().register(theirs.body) })).status).toBe(400);
    expect((await otherBrowser.post("/api/v1/account/passkeys", { response: new SoftwareAuthenticator().register(theirs.body) })).status).toBe(201);

    const late = await browser.post("/api/v1/account/passkeys/options");
    t.clock.advance(PASSKEY_CEREMONY_TTL_MS + 1000);
    expect((await browser.post("/api/v1/account/passkeys", { response: new SoftwareAuthenticator().register(late.body) })).status).toBe(400);
    expect(await passkeysOf(user.id)).toHaveLength(1);
  });

  it("keeps one live registration challenge per user in the database (shared by every instance), not in memory", async () => {
    const { user, browser } = await signedInUser();
    await browser.post("/api/v1/account/passkeys/options");
    const second = await browser.post("/api/v1/account/passkeys/options");
    const rows = await t.deps.db.select().from(signInChallenges).where(eq(signInChallenges.userId, user.id));
    expect(rows).toEqual([expect.objectContaining({ purpose: "passkey", webauthnChallenge: second.body.challenge, usedAt: null })]);
  });

  it("refuses a credential already registered, by this user or another", async () => {
    const { browser, other } = await signedInUser();
    const { authenticator } = await registerPasskey(browser);
    const again = await browser.post("/api/v1/account/passkeys/options");
    expect(again.body.excludeCredentials).toEqual([expect.objectContaining({ id: authenticator.id })]);
    expect((await browser.post("/api/v1/account/passkeys", { response: authenticator.register(again.body) })).status).toBe(409);
    const otherBrowser = await signIn(t, other);
    const theirs = await otherBrowser.post("/api/v1/account/passkeys/options");
    const reply = await otherBrowser.post("/api/v1/account/passkeys", { response: authenticator.register(theirs.body) });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe("PASSKEY_ALREADY_REGISTERED");
  });

  it("refuses bad input with 400 and anonymous callers with 401", async () => {
    const { browser } = await signedInUser();
    const options = await browser.post("/api/v1/account/passkeys/options");
    const answer = new SoftwareAuthenticator().register(options.body);
    for (const body of [{}, { response: answer, name: "" }, { response: answer, name: "x".repeat(61) }, { response: answer, name: "a\u202Eb" }, { response: { ...answer, type: "other" } }, { response: answer, extra: 1 }, { response: { ...answer, id: "not base64!" } }]) {
      expect((await browser.post("/api/v1/account/passkeys", body)).status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    const anonymous = t.client();
    expect((await anonymous.get("/api/v1/account/passkeys")).status).toBe(401);
    expect((await anonymous.post("/api/v1/account/passkeys/options")).status).toBe(401);
    expect((await anonymous.post("/api/v1/account/passkeys", { response: answer })).status).toBe(401);
  });

  it("renames only the caller's own passkeys: another user's is not found", async () => {
    const { user, other, browser } = await signedInUser();
    const { passkey } = await registerPasskey(browser);
    expect((await browser.patch(`/api/v1/account/passkeys/${passkey.id}`, { name: "  Phone  " })).status).toBe(200);
    expect((await passkeysOf(user.id))[0]?.name).toBe("Phone");
    expect(await auditOf(user.id, "passkey.renamed")).toHaveLength(1);
    const otherBrowser = await signIn(t, other);
    const reply = await otherBrowser.patch(`/api/v1/account/passkeys/${passkey.id}`, { name: "Mine now" });
    expect(reply.status).toBe(404);
    expect((await otherBrowser.post(`/api/v1/account/passkeys/${passkey.id}/remove`, { password: FACTORY_PASSWORD })).status).toBe(404);
    expect((await browser.patch(`/api/v1/account/passkeys/not-a-uuid`, { name: "x" })).status).toBe(400);
    expect((await passkeysOf(user.id))[0]?.name).toBe("Phone");
  });

  it("removes a passkey while another factor remains without the password; the last one only with it", async () => {
    const { user, browser } = await signedInUser();
    const first = await registerPasskey(browser, "First");
    const second = await registerPasskey(browser, "Second");
    expect((await browser.post(`/api/v1/account/passkeys/${first.passkey.id}/remove`, {})).status).toBe(200);

    const asked = await browser.post(`/api/v1/account/passkeys/${second.passkey.id}/remove`, {});
    expect(asked.status).toBe(400);
    expect(asked.body.error.code).toBe("LAST_FACTOR_PASSWORD_REQUIRED");
    const wrong = await browser.post(`/api/v1/account/passkeys/${second.passkey.id}/remove`, { password: "not the password at all" });
    expect(wrong.body.error.code).toBe("CURRENT_PASSWORD_INCORRECT");
    expect(await passkeysOf(user.id)).toHaveLength(1);

    await t.deps.db.insert(recoveryCodes).values({ userId: user.id, codeHash: "digest-of-a-code" });
    expect((await browser.post(`/api/v1/account/passkeys/${second.passkey.id}/remove`, { password: FACTORY_PASSWORD })).status).toBe(200);
    expect(await passkeysOf(user.id)).toHaveLength(0);
    // No factor left: the recovery codes went with the last one.
    expect(await t.deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id))).toHaveLength(0);
    const removed = await auditOf(user.id, "passkey.removed");
    expect(removed.map((row) => row.details)).toEqual(expect.arrayContaining([expect.objectContaining({ name: "First", passwordConfirmed: false }), expect.objectContaining({ name: "Second", passwordConfirmed: true })]));
    expect((await emailsOf(user.id)).filter((mail) => mail.kind === "passkey_removed")).toHaveLength(2);
  });

  it("counts a confirmed authenticator app as another factor, an unconfirmed one not", async () => {
    const { user, browser } = await signedInUser();
    const { passkey } = await registerPasskey(browser);
    await t.deps.db.insert(totpFactors).values({ userId: user.id, secret: "plain:JBSWY3DPEHPK3PXP" });
    expect((await browser.post(`/api/v1/account/passkeys/${passkey.id}/remove`, {})).body.error.code).toBe("LAST_FACTOR_PASSWORD_REQUIRED");
    await t.deps.db.update(totpFactors).set({ confirmedAt: t.clock.now() }).where(eq(totpFactors.userId, user.id));
    expect((await browser.post(`/api/v1/account/passkeys/${passkey.id}/remove`, {})).status).toBe(200);
  });

  it("lets two concurrent removals of a user's two passkeys take at most one without the password", async () => {
    const { user, browser } = await signedInUser();
    const a = await registerPasskey(browser);
    const b = await registerPasskey(browser);
    const replies = await Promise.all([a, b].map(({ passkey }) => browser.post(`/api/v1/account/passkeys/${passkey.id}/remove`, {})));
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 400]);
    expect(await passkeysOf(user.id)).toHaveLength(1);
  });
});
