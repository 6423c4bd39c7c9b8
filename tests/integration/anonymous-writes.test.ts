import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { auditEvents } from "../../src/db/schema.ts";
import { issueLinkToken } from "../../src/features/auth/link-tokens.ts";
import { LOGIN_LIMITS } from "../../src/features/auth/login.ts";
import { RESET_LIMITS } from "../../src/features/auth/password-reset/reset-limits.ts";
import { normalizeEmail } from "../../src/features/email-address.ts";
import type { Reply } from "../support/client.ts";
import { createCompanyWithUsers, FACTORY_PASSWORD } from "../support/factories.ts";
import { settleForgotPasswordJobs } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/** How many requests an anonymous flood sends: well past every limit below. */
const FLOOD = 200;

/**
 * An anonymous client must not grow a table faster than the limits allow (issue 14, item 8):
 * every flood below is measured by the rows it adds to audit_events and rate_limits.
 */
describe("anonymous floods write no more rows than the limits allow", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  let clients = 0;
  const freshAddress = () => `198.51.${Math.floor(++clients / 250)}.${clients % 250}`;
  const rowCounts = async () => {
    const [row] = await queryRows<{ audit: number; limits: number }>(t.deps.db, sql`select (select count(*) from audit_events)::int as audit, (select count(*) from rate_limits)::int as limits`);
    if (!row) throw new Error("no counts");
    return { audit: Number(row.audit), limits: Number(row.limits) };
  };
  const auditActionsFrom = async (address: string) => (await t.deps.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.clientAddress, address))).map((r) => r.action).sort();

  function expectLimited(reply: Reply, retryAfterSeconds: number) {
    expect(reply.status).toBe(429);
    expect(reply.body.error.code).toBe("RATE_LIMITED");
    expect(reply.headers["retry-after"]).toBe(String(retryAfterSeconds));
    expect(reply.body.error.details).toEqual({ retryAfterSeconds });
  }

  const bogusTokens = (n: number) =>
    fc.sample(
      fc.oneof(
        fc.base64String({ minLength: 44, maxLength: 44 }).map((s) => s.replace(/=+$/u, "").replaceAll("+", "-").replaceAll("/", "_").slice(0, 43)),
        fc.string({ minLength: 1, maxLength: 200, unit: "grapheme-ascii" }),
      ),
      n,
    );

  it(`POST /links/inspect: ${RESET_LIMITS.inspectPerClient.limit} looks in 15 minutes per client, then 429 with no link looked up and no audit row per request, even for a valid link`, async () => {
    const address = freshAddress();
    const before = await rowCounts();
    const replies: Reply[] = [];
    for (const token of bogusTokens(FLOOD)) replies.push(await t.client(address).post("/api/v1/links/inspect", { token }));
    const { limit, windowMs } = RESET_LIMITS.inspectPerClient;
    for (const reply of replies.slice(0, limit)) expect(reply.body).toMatchObject({ valid: false, reason: "invalid" });
    for (const reply of replies.slice(limit)) expectLimited(reply, windowMs / 1000);

    // A genuine link does not get past the limit either.
    const { users } = await createCompanyWithUsers(t.deps);
    const link = await t.deps.db.transaction((tx) =>
      issueLinkToken(tx, { userId: users.user.id, purpose: "reset", ttlMs: 3_600_000, now: t.clock.now(), requestedByUserId: null, requestedByCompanyId: null, grantId: null }),
    );
    expectLimited(await t.client(address).post("/api/v1/links/inspect", { token: link.token }), windowMs / 1000);

    // One row per rejected link the limit let through, one for the hit that crossed it, one counter.
    expect(await rowCounts()).toEqual({ audit: before.audit + limit + 1, limits: before.limits + 1 });
    expect(await auditActionsFrom(address)).toEqual([...Array(limit).fill("link.rejected"), "rate_limit.hit"]);

    // Another client is not affected, and the window ends.
    expect((await t.client(freshAddress()).post("/api/v1/links/inspect", { token: link.token })).body).toMatchObject({ valid: true });
    t.clock.advance(windowMs);
    expect((await t.client(address).post("/api/v1/links/inspect", { token: link.token })).body).toMatchObject({ valid: true });
  });

  /** What the limits allow a sequence of typed addresses to write, counted independently of the product code. */
  function forgotModel(typed: string[]) {
    const { forgotPerClient: client, forgotPerAccount: account } = RESET_LIMITS;
    let clientCount = 0;
    const accounts = new Map<string, number>();
    let audited = 0;
    for (const email of typed.map(normalizeEmail)) {
      clientCount += 1;
      if (clientCount > client.limit) {
        if (clientCount === client.limit + 1) audited += 1;
        continue;
      }
      const n = (accounts.get(email) ?? 0) + 1;
      accounts.set(email, n);
      if (n === account.limit + 1) audited += 1;
    }
    return { audit: audited, limits: 1 + accounts.size };
  }

  it(`POST /auth/forgot-password: a client typing ${FLOOD} addresses (new ones, repeated ones, in any spelling) adds one counter per address only within its limit, one audit row per limit crossed, and always the same answer`, async () => {
    const typedAddresses = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.uuid().map((id) => `new.${id}@flood.test`) },
        // RUN becomes the run's number, so each run's repeated addresses are its own.
        { weight: 1, arbitrary: fc.constantFrom("Repeat.Me.RUN@flood.test", "REPEAT.ME.RUN@FLOOD.TEST", "repeat.me.RUN@flood.test", "other.repeat.RUN@flood.test") },
      ),
      { minLength: FLOOD, maxLength: FLOOD },
    );
    await fc.assert(
      fc.asyncProperty(typedAddresses, async (template) => {
        const address = freshAddress();
        const typed = template.map((email) => email.replace("RUN", String(clients)));
        await settleForgotPasswordJobs(t);
        const before = await rowCounts();
        const answers = new Set<string>();
        for (const email of typed) {
          const reply = await t.client(address).post("/api/v1/auth/forgot-password", { email });
          expect(reply.status).toBe(202);
          answers.add(JSON.stringify(reply.body));
        }
        expect(answers.size).toBe(1);
        await settleForgotPasswordJobs(t);
        const expected = forgotModel(typed);
        expect(await rowCounts()).toEqual({ audit: before.audit + expected.audit, limits: before.limits + expected.limits });
        // Never more than the client's allowance of counters, and one audit row for the client.
        expect(expected.limits).toBeLessThanOrEqual(1 + RESET_LIMITS.forgotPerClient.limit);
      }),
      { numRuns: 4 },
    );
  });

  it(`POST /auth/login: a client past its daily limit adds no counter per email it types and one audit row, whatever it sends; the answer says when to retry`, async () => {
    const address = freshAddress();
    const { limit, windowMs } = LOGIN_LIMITS.clientDaily;
    // As though the client had already made all but three of its day's attempts, an hour ago.
    const spentAt = new Date(t.clock.now().getTime() - 3_600_000);
    await t.deps.db.execute(sql`insert into rate_limits (key, window_start, count) values (${`login:client-daily:${address}`}, ${spentAt}, ${limit - 3})`);
    const { users } = await createCompanyWithUsers(t.deps);
    const emails = [users.user.email, ...fc.sample(fc.uuid(), FLOOD - 1).map((id) => `guess.${id}@flood.test`)];
    const before = await rowCounts();
    const replies: Reply[] = [];
    for (const [i, email] of emails.entries()) replies.push(await t.client(address).post("/api/v1/auth/login", { email, password: i % 2 ? FACTORY_PASSWORD : `guess ${i}` }));

    for (const reply of replies.slice(0, 3)) expect(reply.status).toBe(401);
    const retryAfter = (windowMs - 3_600_000) / 1000;
    for (const reply of replies.slice(3)) expectLimited(reply, retryAfter);
    expect(replies[3]?.body.error.message).toMatch(/try again in 23 hours/i);
    // Three counters for the three emails tried within the limit; three failures and one crossing audited.
    expect(await rowCounts()).toEqual({ audit: before.audit + 4, limits: before.limits + 3 });
    expect(await auditActionsFrom(address)).toEqual(["login.failed", "login.failed", "login.failed", "rate_limit.hit"]);
  });

  it(`POST /auth/login: a flood on one locked account from one client writes one audit row, and the answer says when the account's window ends`, async () => {
    const address = freshAddress();
    const { users } = await createCompanyWithUsers(t.deps);
    const { limit, windowMs } = LOGIN_LIMITS.accountClient;
    const before = await rowCounts();
    for (let i = 0; i < limit; i++) expect((await t.client(address).post("/api/v1/auth/login", { email: users.manager.email, password: `wrong ${i}` })).status).toBe(401);
    t.clock.advance(60_000);
    const spellings = [users.manager.email, users.manager.email.toUpperCase(), users.manager.email.replace(/^./u, (c) => c.toUpperCase())];
    for (let i = 0; i < FLOOD; i++) {
      expectLimited(await t.client(address).post("/api/v1/auth/login", { email: spellings[i % spellings.length], password: i % 2 ? FACTORY_PASSWORD : `wrong ${i}` }), windowMs / 1000 - 60);
    }
    expect(await rowCounts()).toEqual({ audit: before.audit + limit + 1, limits: before.limits + 2 });
    expect((await auditActionsFrom(address)).filter((action) => action === "rate_limit.hit")).toHaveLength(1);
  });
});
