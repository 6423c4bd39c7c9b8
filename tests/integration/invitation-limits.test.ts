import { and, count, eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { companies, emails, linkTokens, users } from "../../src/db/schema.ts";
import { markMultiCompany } from "../../src/features/linked-companies/link-company.ts";
import { INVITATION_LIMITS } from "../../src/features/users/send-invitation.ts";
import type { Reply, TestClient } from "../support/client.ts";
import { createCompanyWithUsers, createUser, signIn } from "../support/factories.ts";
import { settleOutbox } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const PASSWORD = "correct horse battery staple 9";
const HOUR = 3_600_000;

/** A limited request says so: 429 RATE_LIMITED, Retry-After in seconds, the same number in details, and when in words. */
function expectLimited(reply: Reply, retryAfterSeconds: number) {
  expect(reply.status).toBe(429);
  expect(reply.body.error.code).toBe("RATE_LIMITED");
  expect(reply.headers["retry-after"]).toBe(String(retryAfterSeconds));
  expect(reply.body.error.details).toEqual({ retryAfterSeconds });
  expect(reply.body.error.message).toMatch(/try again in \d+ (seconds?|minutes?|hours)/i);
}

describe("registration is limited per client address", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  const registration = (overrides: Record<string, string> = {}) => {
    n += 1;
    return { companyName: `Signup Co ${n}`, name: `Signup Person ${n}`, email: `signup${n}@signup.test`, password: PASSWORD, ...overrides };
  };
  const companyCount = async () => (await t.deps.db.select({ n: count() }).from(companies))[0]?.n ?? 0;

  it(`allows 10 an hour from one address by default; past it, whatever is asked, 429 with when to retry and no company; another address still registers; the window ends`, async () => {
    const address = "203.0.113.10";
    const taken = registration();
    expect((await t.client(address).post("/api/v1/auth/register", taken)).status).toBe(201);
    // Refusals count too (an "email taken" answer is worth as much to a prober as a success).
    expect((await t.client(address).post("/api/v1/auth/register", { ...registration(), email: taken.email.toUpperCase() })).status).toBe(409);
    expect(t.config.registrationLimitPerHour).toBe(10);
    for (let i = 2; i < t.config.registrationLimitPerHour; i++) expect((await t.client(address).post("/api/v1/auth/register", registration())).status).toBe(201);

    const before = await companyCount();
    const minutesLater = 10 * 60_000;
    t.clock.advance(minutesLater);
    const attempts = [registration(), registration({ email: taken.email }), registration({ companyName: "Different Entirely", email: "ANOTHER.one@Signup.test" }), registration()];
    for (const body of attempts) {
      const reply = await t.client(address).post("/api/v1/auth/register", body);
      expectLimited(reply, (HOUR - minutesLater) / 1000);
      expect(reply.headers["set-cookie"] ?? "").not.toMatch(/latchkey_session=[^;]/);
    }
    expect(await companyCount()).toBe(before);
    const names = attempts.map((body) => body.companyName);
    expect(await queryRows(t.deps.db, sql`select id from companies where name in ${names}`)).toEqual([]);

    // Another address is not affected.
    expect((await t.client("203.0.113.11").post("/api/v1/auth/register", registration())).status).toBe(201);

    // The window ends: the first address may register again.
    t.clock.advance(HOUR - minutesLater);
    expect((await t.client(address).post("/api/v1/auth/register", registration())).status).toBe(201);
  });
});

describe("REGISTRATION_LIMIT_PER_HOUR sets the registration limit", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, env: { REGISTRATION_LIMIT_PER_HOUR: "3" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("allows that many an hour from one address, then answers 429 and creates nothing", async () => {
    const address = "198.51.100.7";
    const body = (n: number) => ({ companyName: `Configured Co ${n}`, name: `Configured ${n}`, email: `configured${n}@configured.test`, password: PASSWORD });
    for (const n of [1, 2, 3]) expect((await t.client(address).post("/api/v1/auth/register", body(n))).status).toBe(201);
    expectLimited(await t.client(address).post("/api/v1/auth/register", body(4)), HOUR / 1000);
    expect(await queryRows(t.deps.db, sql`select id from companies where name = ${"Configured Co 4"}`)).toEqual([]);
  });

  it("refuses a setting that is not a whole number of at least one", async () => {
    const { loadConfig } = await import("../../src/config.ts");
    for (const value of ["0", "-1", "2.5", "ten", "1e9"]) expect(() => loadConfig({ NODE_ENV: "test", PUBLIC_URL: "https://latchkey.test", REGISTRATION_LIMIT_PER_HOUR: value })).toThrow(/REGISTRATION_LIMIT_PER_HOUR/);
  });
});

describe("invitations are limited per recipient address, per actor and per company", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  let n = 0;
  const invitationsTo = async (normalized: string) => {
    const rows = await t.deps.db.select({ n: count() }).from(emails).where(and(eq(emails.kind, "invitation"), sql`lower(${emails.toAddress}) = ${normalized}`));
    return rows[0]?.n ?? 0;
  };
  const smtpInvitationsTo = (normalized: string) => t.smtp.messages.filter((m) => /invited/.test(m.subject) && m.to.some((to) => to.toLowerCase() === normalized)).length;
  const holdersOf = (normalized: string) => t.deps.db.select({ id: users.id }).from(users).where(eq(users.emailNormalized, normalized));
  const linkCount = async () => (await t.deps.db.select({ n: count() }).from(linkTokens))[0]?.n ?? 0;
  const userCount = async () => (await t.deps.db.select({ n: count() }).from(users))[0]?.n ?? 0;
  const emailCount = async () => (await t.deps.db.select({ n: count() }).from(emails))[0]?.n ?? 0;

  /** Everything a refused invitation must leave as it was. */
  const snapshot = async () => ({ users: await userCount(), links: await linkCount(), emails: await emailCount() });

  it(`counts every invitation to one address — created, re-created after an email change, resent, in any spelling — and refuses those past ${INVITATION_LIMITS.perRecipient.limit} in an hour, creating and sending nothing`, async () => {
    const ops = fc.array(fc.constantFrom("create" as const, "resend" as const), { minLength: INVITATION_LIMITS.perRecipient.limit + 1, maxLength: INVITATION_LIMITS.perRecipient.limit + 1 });
    await fc.assert(
      fc.asyncProperty(ops, fc.array(fc.constantFrom("lower", "upper", "mixed"), { minLength: 12, maxLength: 12 }), async (sequence, spellings) => {
        n += 1;
        const base = `pat.recipient${n}@victim.test`;
        const spell = (i: number) => {
          const how = spellings[i % spellings.length];
          return how === "upper" ? base.toUpperCase() : how === "mixed" ? `Pat.Recipient${n}@Victim.TEST` : base;
        };
        // A fresh company and administrator each run: only the recipient's limit is in play.
        const { users: members } = await createCompanyWithUsers(t.deps, { name: `Inviting Co ${n}` });
        const admin = await signIn(t, members.administrator, `10.40.${n}.1`);
        let holder: string | null = null;
        let spare = 0;
        const invite = async (op: "create" | "resend", i: number) => {
          if (op === "resend" && holder) return admin.post(`/api/v1/users/${holder}/invitation`);
          // Free the address first: the last holder moves to another address (create → change email → create).
          if (holder) expect((await admin.patch(`/api/v1/users/${holder}`, { email: `moved.${n}.${++spare}@elsewhere.test` })).status).toBe(200);
          holder = null;
          const reply = await admin.post("/api/v1/users", { name: `Pat Recipient ${n}`, email: spell(i), role: "user" });
          if (reply.status === 201) holder = reply.body.user.id as string;
          return reply;
        };

        for (const [i, op] of sequence.slice(0, INVITATION_LIMITS.perRecipient.limit).entries()) {
          const expected = op === "resend" && holder ? 202 : 201;
          expect((await invite(op, i)).status).toBe(expected);
          // Delivered before the address moves on, so the server saw every one that was sent.
          await settleOutbox(t);
        }
        expect(await invitationsTo(base)).toBe(INVITATION_LIMITS.perRecipient.limit);

        const last = sequence[INVITATION_LIMITS.perRecipient.limit] ?? "create";
        const holderBefore = holder;
        if (last === "create" && holder) expect((await admin.patch(`/api/v1/users/${holder}`, { email: `moved.${n}.${++spare}@elsewhere.test` })).status).toBe(200);
        const before = await snapshot();
        const refused = last === "resend" && holderBefore ? await admin.post(`/api/v1/users/${holderBefore}/invitation`) : await admin.post("/api/v1/users", { name: `Pat Recipient ${n}`, email: spell(11), role: "user" });
        expectLimited(refused, HOUR / 1000);
        expect(await snapshot()).toEqual(before);
        if (last === "create") expect(await holdersOf(base)).toEqual([]);
        await settleOutbox(t);
        expect(await invitationsTo(base)).toBe(INVITATION_LIMITS.perRecipient.limit);
        expect(smtpInvitationsTo(base)).toBe(INVITATION_LIMITS.perRecipient.limit);

        // Another address from the same administrator still goes.
        expect((await admin.post("/api/v1/users", { name: "Someone Else", email: `someone.else${n}@victim.test`, role: "user" })).status).toBe(201);
      }),
      { numRuns: 3 },
    );
  });

  it("lets the recipient be invited again once the hour has passed", async () => {
    n += 1;
    const address = `later${n}@victim.test`;
    const { users: members } = await createCompanyWithUsers(t.deps, { name: `Later Co ${n}` });
    const admin = await signIn(t, members.administrator, `10.41.${n}.1`);
    const created = await admin.post("/api/v1/users", { name: "Lee Later", email: address, role: "user" });
    expect(created.status).toBe(201);
    const id = created.body.user.id as string;
    for (let i = 1; i < INVITATION_LIMITS.perRecipient.limit; i++) {
      t.clock.advance(60_000);
      expect((await admin.post(`/api/v1/users/${id}/invitation`)).status).toBe(202);
    }
    t.clock.advance(60_000);
    // The window began at the first invitation: it ends that hour after it.
    expectLimited(await admin.post(`/api/v1/users/${id}/invitation`), HOUR / 1000 - INVITATION_LIMITS.perRecipient.limit * 60);
    t.clock.advance(HOUR);
    expect((await admin.post(`/api/v1/users/${id}/invitation`)).status).toBe(202);
  });

  it(`refuses an actor's invitations past ${INVITATION_LIMITS.perActor.limit} in an hour, to anyone; a colleague still invites`, async () => {
    n += 1;
    const { users: members } = await createCompanyWithUsers(t.deps, { name: `Bulk Co ${n}` });
    const admin = await signIn(t, members.administrator, `10.42.${n}.1`);
    // An honest bulk onboarding: the whole allowance, one new colleague after another.
    for (let i = 0; i < INVITATION_LIMITS.perActor.limit; i++) {
      expect((await admin.post("/api/v1/users", { name: `Bulk ${i}`, email: `bulk.${n}.${i}@bulk.test`, role: "user" })).status).toBe(201);
    }
    const before = await snapshot();
    expectLimited(await admin.post("/api/v1/users", { name: "One Too Many", email: `bulk.${n}.extra@bulk.test`, role: "user" }), HOUR / 1000);
    const pending = (await t.deps.db.select({ id: users.id }).from(users).where(eq(users.emailNormalized, `bulk.${n}.0@bulk.test`)))[0];
    if (!pending) throw new Error("the first bulk user is missing");
    expectLimited(await admin.post(`/api/v1/users/${pending.id}/invitation`), HOUR / 1000);
    expect(await snapshot()).toEqual(before);
    expect(await holdersOf(`bulk.${n}.extra@bulk.test`)).toEqual([]);

    const manager = await signIn(t, members.manager, `10.42.${n}.2`);
    expect((await manager.post("/api/v1/users", { name: "From A Colleague", email: `bulk.${n}.colleague@bulk.test`, role: "user" })).status).toBe(201);
    await settleOutbox(t);
  });

  it(`refuses a company's invitations past ${INVITATION_LIMITS.perCompany.limit} in an hour, whoever sends them; another company is not affected; the hour ends`, async () => {
    n += 1;
    const { company, users: members } = await createCompanyWithUsers(t.deps, { name: `Busy Co ${n}` });
    const admin = await signIn(t, members.administrator, `10.43.${n}.1`);
    const manager = await signIn(t, members.manager, `10.43.${n}.2`);
    // As though the company's other administrators had already sent all but one of the hour's invitations.
    await t.deps.db.execute(sql`insert into rate_limits (key, window_start, count) values (${`invitation:company:${company.id}`}, ${t.clock.now()}, ${INVITATION_LIMITS.perCompany.limit - 1})`);
    expect((await admin.post("/api/v1/users", { name: "The Last One", email: `busy.${n}.last@busy.test`, role: "user" })).status).toBe(201);

    const before = await snapshot();
    for (const [who, client] of [["administrator", admin], ["manager", manager]] as [string, TestClient][]) {
      expectLimited(await client.post("/api/v1/users", { name: `Refused ${who}`, email: `busy.${n}.${who}@busy.test`, role: "user" }), HOUR / 1000);
      expect(await holdersOf(`busy.${n}.${who}@busy.test`)).toEqual([]);
    }
    expect(await snapshot()).toEqual(before);

    const other = await createCompanyWithUsers(t.deps, { name: `Quiet Co ${n}` });
    const otherAdmin = await signIn(t, other.users.administrator, `10.43.${n}.3`);
    expect((await otherAdmin.post("/api/v1/users", { name: "Quiet Hire", email: `quiet.${n}@quiet.test`, role: "user" })).status).toBe(201);

    t.clock.advance(HOUR);
    expect((await manager.post("/api/v1/users", { name: "Next Hour", email: `busy.${n}.next@busy.test`, role: "user" })).status).toBe(201);
    await settleOutbox(t);
  });

  it("counts a linked company's invited administrator like any invitation: past the actor's limit, 429 and no company, no user, no email", async () => {
    n += 1;
    const { company, users: members } = await createCompanyWithUsers(t.deps, { name: `Agency ${n}` });
    await markMultiCompany(t.deps.db, { companyId: company.id, allowance: 5, now: t.clock.now() });
    const admin = await signIn(t, members.administrator, `10.44.${n}.1`);
    // As though this administrator had already sent the hour's invitations.
    await t.deps.db.execute(sql`insert into rate_limits (key, window_start, count) values (${`invitation:actor:${members.administrator.id}`}, ${t.clock.now()}, ${INVITATION_LIMITS.perActor.limit})`);
    const before = { ...(await snapshot()), companies: (await t.deps.db.select({ n: count() }).from(companies))[0]?.n };
    expectLimited(await admin.post("/api/v1/managed-companies", { name: `Client Of Agency ${n}`, adminName: "Cleo Client", adminEmail: `cleo${n}@client.test` }), HOUR / 1000);
    expect({ ...(await snapshot()), companies: (await t.deps.db.select({ n: count() }).from(companies))[0]?.n }).toEqual(before);
    expect(await holdersOf(`cleo${n}@client.test`)).toEqual([]);

    // Another administrator of the agency still may.
    const colleague = await signIn(t, await createUser(t.deps, company, { role: "administrator" }), `10.44.${n}.2`);
    expect((await colleague.post("/api/v1/managed-companies", { name: `Client Of Agency ${n}`, adminName: "Cleo Client", adminEmail: `cleo${n}@client.test` })).status).toBe(201);
    await settleOutbox(t);
  });
});
