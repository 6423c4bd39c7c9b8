import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, emails } from "../../src/db/schema.ts";
import { countWaitingForgotPasswordRequests } from "../../src/features/auth/password-reset/forgot-password-requests.queries.ts";
import { RESET_LIMITS } from "../../src/features/auth/password-reset/reset-limits.ts";
import type { Reply } from "../support/client.ts";
import { createCompany, createCompanyWithUsers, createUser } from "../support/factories.ts";
import {
  auditRowsOf,
  NEW_PASSWORD,
  nextResetEmail,
  RESET_LINK_PREFIX,
  settleForgotPasswordJobs,
  settleOutbox,
  submitNewPassword,
} from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/** Everything a caller can observe of an answer, except the clock. */
function observable(reply: Reply) {
  const { date: _date, ...headers } = reply.headers;
  return { status: reply.status, body: reply.body, headers };
}

let clientNumber = 0;
/** A browser at an address of its own, so the per-client limit stays out of the way unless a test wants it. */
const freshAddress = () => `198.51.100.${++clientNumber}`;

describe("forgot password", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const forgot = (email: unknown, clientAddress = freshAddress()) => t.client(clientAddress).post("/api/v1/auth/forgot-password", { email });
  const emailRowsTo = (address: string) => t.deps.db.select().from(emails).where(eq(emails.toAddress, address));

  it("answers an existing, an unknown, a deactivated and a rate-limited address identically; only the existing one gets mail", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const existing = await createUser(t.deps, company);
    const deactivated = await createUser(t.deps, company, { status: "deactivated" });
    const limited = await createUser(t.deps, company);
    for (let i = 0; i < 5; i++) expect((await forgot(limited.email)).status).toBe(202);
    await settleForgotPasswordJobs(t);
    await settleOutbox(t);

    const answers = {
      existing: await forgot(existing.email),
      unknown: await forgot("nobody.at.all@example.test"),
      deactivated: await forgot(deactivated.email),
      limited: await forgot(limited.email),
    };
    expect(answers.existing.status).toBe(202);
    expect(answers.existing.body).toEqual({ ok: true, message: expect.stringContaining("24 hours") });
    expect(answers.existing.headers["set-cookie"]).toBeUndefined();
    for (const other of [answers.unknown, answers.deactivated, answers.limited]) expect(observable(other)).toEqual(observable(answers.existing));

    await settleForgotPasswordJobs(t);
    await settleOutbox(t);
    expect(await emailRowsTo(existing.email)).toHaveLength(1);
    expect(t.smtp.messages.filter((m) => m.to.includes(existing.email))).toHaveLength(1);
    expect(await emailRowsTo(deactivated.email)).toEqual([]);
    expect(await emailRowsTo("nobody.at.all@example.test")).toEqual([]);
    // Five before the limit, none for the limited request.
    expect(await emailRowsTo(limited.email)).toHaveLength(5);
  });

  it("answers the same for every address in any state, limited or not, and once this instance's guard drops a client far over its limit, writes no row for it (decision 0034)", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const existing = await createUser(t.deps, company);
    const deactivated = await createUser(t.deps, company, { status: "deactivated" });
    const address = "192.0.2.77";
    const { forgotPerClient } = RESET_LIMITS;
    const typed = [existing.email, "nobody.guard@example.test", deactivated.email, existing.email.toUpperCase(), ` ${existing.email} `];
    const first = await forgot(typed[0], address);
    // Past the shared limit, then past the guard's twice-the-limit: every answer the same as the first.
    for (let i = 1; i < 2 * forgotPerClient.limit + 5; i++) expect(observable(await forgot(typed[i % typed.length], address))).toEqual(observable(first));
    await settleForgotPasswordJobs(t);
    const waitingBefore = await countWaitingForgotPasswordRequests(t.deps.db);
    const dropped = await forgot(existing.email, address);
    expect(observable(dropped)).toEqual(observable(first));
    // The guard answered without a statement: nothing waits for the worker.
    expect(await countWaitingForgotPasswordRequests(t.deps.db)).toBe(waitingBefore);
    await settleOutbox(t);
    // Only the existing account ever got mail, and no more than its own limit allows.
    expect((await emailRowsTo(existing.email)).length).toBeGreaterThanOrEqual(1);
    expect((await emailRowsTo(existing.email)).length).toBeLessThanOrEqual(RESET_LIMITS.forgotPerAccount.limit);
    expect(await emailRowsTo(deactivated.email)).toEqual([]);
    expect(await emailRowsTo("nobody.guard@example.test")).toEqual([]);
  });

  it("answers identically and sends nothing once the client address is over its limit, and audits the hit", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const address = "192.0.2.44";
    const first = await forgot("probe.0@example.test", address);
    for (let i = 1; i < 30; i++) expect((await forgot(`probe.${i}@example.test`, address)).status).toBe(202);
    const limited = await forgot(target.email, address);
    expect(observable(limited)).toEqual(observable(first));
    await settleForgotPasswordJobs(t);
    expect(await emailRowsTo(target.email)).toEqual([]);
    const hit = (await auditRowsOf(t, "rate_limit.hit")).filter((row) => row.clientAddress === address);
    expect(hit).toHaveLength(1);
    expect(hit[0]).toMatchObject({ outcome: "refused", details: { flow: "forgot_password", limits: ["client"] } });
    // Another client is not affected.
    await forgot(target.email);
    await nextResetEmail(t, target.email);
  });

  it("sends to the address stored on the account, whatever case, spacing or Unicode form was typed", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const ascii = await createUser(t.deps, company, { email: "Victim.Person@Example.TEST" });
    expect((await forgot("  VICTIM.person@example.test  ")).status).toBe(202);
    const { message } = await nextResetEmail(t, ascii.email);
    expect(message.to).toEqual([ascii.email.toLowerCase()]);
    expect((await emailRowsTo(ascii.email)).map((row) => row.toAddress)).toEqual(["Victim.Person@Example.TEST"]);

    const stored = "Zoë.Müller@Example.test".normalize("NFC");
    const unicode = await createUser(t.deps, company, { email: stored });
    const typed = "ZOË.MÜLLER@EXAMPLE.TEST".normalize("NFD");
    expect(typed).not.toBe(stored.toUpperCase());
    expect((await forgot(typed)).status).toBe(202);
    await settleForgotPasswordJobs(t);
    const rows = await t.deps.db.select().from(emails).where(eq(emails.userId, unicode.id));
    expect(rows.map((row) => row.toAddress)).toEqual([stored]);
  });

  it("refuses an email that is not one string (array, object, number, null, repeated key, form) with 400, and sends nothing", async () => {
    const victim = "victim@example.test";
    const attacker = "attacker@evil.example";
    const { company } = await createCompanyWithUsers(t.deps);
    await createUser(t.deps, company, { email: victim });
    await settleForgotPasswordJobs(t);
    const client = t.client(freshAddress());
    const attempts: Array<() => Promise<Reply>> = [
      () => client.post("/api/v1/auth/forgot-password", { email: [victim, attacker] }),
      () => client.post("/api/v1/auth/forgot-password", { email: [victim] }),
      () => client.post("/api/v1/auth/forgot-password", { email: { address: victim } }),
      () => client.post("/api/v1/auth/forgot-password", { email: 42 }),
      () => client.post("/api/v1/auth/forgot-password", { email: null }),
      () => client.post("/api/v1/auth/forgot-password", { email: victim, to: attacker }),
      () => client.post("/api/v1/auth/forgot-password", { email: victim, userId: "00000000-0000-4000-8000-000000000000" }),
      () => client.post("/api/v1/auth/forgot-password", `{"email":"${victim}","email":"${attacker}"}`),
      () => client.post("/api/v1/auth/forgot-password", `{"email":"${victim}","\\u0065mail":"${attacker}"}`),
      () => client.post("/api/v1/auth/forgot-password", `{"email":"${victim}","__proto__":{"email":"${attacker}"}}`),
      () => client.post("/api/v1/auth/forgot-password", `email=${victim}&email=${attacker}`, { "content-type": "application/x-www-form-urlencoded" }),
      () => client.post("/api/v1/auth/forgot-password", `email=${victim}`, { "content-type": "application/x-www-form-urlencoded" }),
    ];
    for (const attempt of attempts) {
      const reply = await attempt();
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect(await countWaitingForgotPasswordRequests(t.deps.db)).toBe(0);
    await settleOutbox(t);
    expect(await emailRowsTo(victim)).toEqual([]);
    expect(await emailRowsTo(attacker)).toEqual([]);
    expect(t.smtp.messages.filter((m) => m.to.includes(victim) || m.to.includes(attacker))).toEqual([]);
  });

  it("lets a restored account without a password use it: the link arrives, the password is set, the user signs in", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const restored = await createUser(t.deps, company, { withPassword: false });
    expect((await forgot(restored.email)).status).toBe(202);
    const { token, link, message } = await nextResetEmail(t, restored.email);
    expect(link.startsWith(RESET_LINK_PREFIX)).toBe(true);
    expect(message.subject).toBe("Reset your Latchkey password");
    expect(message.text).toContain("You asked to reset your password");
    expect(message.text).toMatch(/expires on .+ UTC/);
    expect(message.text).toContain("If you did not ask for this");
    expect((await submitNewPassword(t.client(), token)).status).toBe(200);
    expect((await t.client().post("/api/v1/auth/login", { email: restored.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it("sends nothing for a user of a deleted company, and answers the same", async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    await t.deps.db.update(companies).set({ deletedAt: t.clock.now() }).where(eq(companies.id, company.id));
    const reply = await forgot(user.email);
    expect(observable(reply)).toEqual(observable(await forgot("no.such.person@example.test")));
    await settleForgotPasswordJobs(t);
    expect(await emailRowsTo(user.email)).toEqual([]);
  });

  it("supersedes the previous link when asked again: only the newest link works", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const user = await createUser(t.deps, company);
    const before = t.smtp.messages.length;
    await forgot(user.email);
    const first = await nextResetEmail(t, user.email, before);
    t.clock.advance(1_000);
    await forgot(user.email);
    const second = await nextResetEmail(t, user.email, t.smtp.messages.indexOf(first.message) + 1);
    expect(second.token).not.toBe(first.token);
    const old = await submitNewPassword(t.client(), first.token);
    expect(old.status).toBe(410);
    expect(old.body.error.code).toBe("LINK_SUPERSEDED");
    expect((await submitNewPassword(t.client(), second.token)).status).toBe(200);
  });

  it("audits a request for an account with the client address, and a deactivated account's attempt as refused", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const user = await createUser(t.deps, company);
    const gone = await createUser(t.deps, company, { status: "deactivated" });
    await forgot(user.email, "203.0.113.90");
    await forgot(gone.email, "203.0.113.91");
    await settleForgotPasswordJobs(t);
    const rows = await auditRowsOf(t, "password_reset.requested");
    expect(rows.find((row) => row.targetUserId === user.id)).toMatchObject({
      outcome: "success",
      actorUserId: null,
      targetCompanyId: company.id,
      clientAddress: "203.0.113.90",
      details: { via: "forgot_password" },
    });
    expect(rows.find((row) => row.targetUserId === gone.id)).toMatchObject({
      outcome: "refused",
      targetCompanyId: company.id,
      clientAddress: "203.0.113.91",
      details: { via: "forgot_password", reason: "deactivated" },
    });
  });

  it("answers at once even when the SMTP server takes 5 s per message", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const user = await createUser(t.deps, company);
    t.smtp.setMode("slow", { slowMs: 5_000 });
    try {
      const started = performance.now();
      expect((await forgot(user.email)).status).toBe(202);
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      t.smtp.setMode("accept");
    }
  });
});
