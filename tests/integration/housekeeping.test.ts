import { inArray } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { emailChanges, rateLimits, sessions, signInChallenges, webhookDeliveries, webhookEndpoints, webhookEvents } from "../../src/db/schema.ts";
import { startHousekeeping } from "../../src/features/housekeeping/housekeeping.ts";
import { RETENTION } from "../../src/features/housekeeping/prune-expired.ts";
import { createCompanyWithUsers, FACTORY_PASSWORD } from "../support/factories.ts";
import { eventually } from "../support/process.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const HOUR = 3_600_000;

describe("housekeeping: expired rate-limit windows and dead sessions are pruned", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, smtp: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const ago = (ms: number) => new Date(t.clock.now().getTime() - ms);

  async function seed(prefix: string) {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    const windows = {
      [`${prefix}:old`]: ago(RETENTION.rateLimitWindowMs + HOUR),
      [`${prefix}:forgotten`]: new Date(0),
      [`${prefix}:day-old`]: ago(RETENTION.rateLimitWindowMs - HOUR),
      [`${prefix}:fresh`]: ago(60_000),
    };
    await t.deps.db.insert(rateLimits).values(Object.entries(windows).map(([key, windowStart]) => ({ key, windowStart, count: 3 })));
    const session = (tokenHash: string, expiresAt: Date, revokedAt: Date | null = null) => ({
      tokenHash: `${prefix}:${tokenHash}`,
      userId: members.user.id,
      actingCompanyId: company.id,
      createdAt: ago(30 * 24 * HOUR),
      expiresAt,
      revokedAt,
    });
    await t.deps.db.insert(sessions).values([
      session("expired-long-ago", ago(RETENTION.deadSessionMs + HOUR)),
      session("revoked-long-ago", new Date(t.clock.now().getTime() + 24 * HOUR), ago(RETENTION.deadSessionMs + HOUR)),
      session("expired-yesterday", ago(24 * HOUR)),
      session("revoked-yesterday", new Date(t.clock.now().getTime() + 24 * HOUR), ago(24 * HOUR)),
      session("live", new Date(t.clock.now().getTime() + 24 * HOUR)),
    ]);
    const keysLeft = async () =>
      (await t.deps.db.select({ key: rateLimits.key }).from(rateLimits).where(inArray(rateLimits.key, Object.keys(windows)))).map((r) => r.key).sort();
    const sessionsLeft = async () =>
      (await t.deps.db.select({ tokenHash: sessions.tokenHash }).from(sessions).where(inArray(sessions.userId, [members.user.id]))).map((r) => r.tokenHash).sort();
    return { keysLeft, sessionsLeft };
  }

  it("`latchkey prune` deletes only windows past every rule and sessions dead for more than a week, and says how many", async () => {
    const { keysLeft, sessionsLeft } = await seed("cli");
    const out: string[] = [];
    const code = await runCli(["prune"], { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => out.push(line) } });
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(/Deleted [1-9]\d* expired rate-limit windows and [1-9]\d* dead sessions\./);
    expect(await keysLeft()).toEqual(["cli:day-old", "cli:fresh"]);
    expect(await sessionsLeft()).toEqual(["cli:expired-yesterday", "cli:live", "cli:revoked-yesterday"]);
  });

  it("`latchkey prune` deletes address changes older than 30 days and keeps younger ones, which count for former addresses (decision 0021)", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const change = (tag: string, changedAt: Date) => ({ userId: members.user.id, previousEmail: `${tag}@before.test`, newEmail: `${tag}@after.test`, changedAt });
    await t.deps.db.insert(emailChanges).values([
      change("old", ago(RETENTION.emailChangeMs + HOUR)),
      change("month", ago(RETENTION.emailChangeMs - HOUR)),
      change("fresh", ago(HOUR)),
    ]);
    const out: string[] = [];
    expect(await runCli(["prune"], { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => out.push(line) } })).toBe(0);
    expect(out.join("\n")).toContain("Deleted 1 email address changes older than 30 days.");
    const left = await t.deps.db.select({ previousEmail: emailChanges.previousEmail }).from(emailChanges).where(inArray(emailChanges.userId, [members.user.id]));
    expect(left.map((row) => row.previousEmail).sort()).toEqual(["fresh@before.test", "month@before.test"]);
  });

  it("`latchkey prune` deletes webhook events and their delivery logs after 30 days, never one still pending", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const [endpoint] = await t.deps.db
      .insert(webhookEndpoints)
      .values({ companyId: company.id, url: "https://hooks.example.com/prune", events: ["user.created"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })
      .returning({ id: webhookEndpoints.id });
    const event = async (tag: string, occurredAt: Date, status: "pending" | "succeeded" | "failed") => {
      const id = crypto.randomUUID();
      await t.deps.db.insert(webhookEvents).values({ id, type: "user.created", companyId: company.id, occurredAt, payload: JSON.stringify({ tag }) });
      await t.deps.db.insert(webhookDeliveries).values({ eventId: id, endpointId: endpoint!.id, subjectKey: `user:${tag}`, status, createdAt: occurredAt });
      return id;
    };
    const old = await event("old", ago(RETENTION.webhookEventMs + HOUR), "succeeded");
    const oldFailed = await event("old-failed", ago(RETENTION.webhookEventMs + HOUR), "failed");
    const oldPending = await event("old-pending", ago(RETENTION.webhookEventMs + HOUR), "pending");
    const month = await event("month", ago(RETENTION.webhookEventMs - HOUR), "succeeded");
    const out: string[] = [];
    expect(await runCli(["prune"], { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => out.push(line) } })).toBe(0);
    expect(out.join("\n")).toContain("Deleted 2 webhook events (and their delivery logs) older than 30 days.");
    const ids = [old, oldFailed, oldPending, month];
    const events = await t.deps.db.select({ id: webhookEvents.id }).from(webhookEvents).where(inArray(webhookEvents.id, ids));
    expect(events.map((row) => row.id).sort()).toEqual([oldPending, month].sort());
    const deliveries = await t.deps.db.select({ eventId: webhookDeliveries.eventId }).from(webhookDeliveries).where(inArray(webhookDeliveries.eventId, ids));
    expect(deliveries.map((row) => row.eventId).sort()).toEqual([oldPending, month].sort());
  });

  it("`latchkey prune` deletes half-finished sign-ins and passkey ceremonies an hour after they expired", async () => {
    const now = t.clock.now().getTime();
    const at = (ms: number) => new Date(now + ms);
    const rows = [
      { tokenHash: "prune-challenge-old", purpose: "passkey", expiresAt: at(-RETENTION.expiredSignInChallengeMs - 1000) },
      { tokenHash: "prune-challenge-recent", purpose: "passkey", expiresAt: at(-RETENTION.expiredSignInChallengeMs + 60_000) },
      { tokenHash: "prune-challenge-live", purpose: "passkey", expiresAt: at(60_000) },
    ];
    await t.deps.db.insert(signInChallenges).values(rows);
    const out: string[] = [];
    expect(await runCli(["prune"], { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => out.push(line) } })).toBe(0);
    expect(out.join("\n")).toContain("Deleted 1 expired half-finished sign-ins.");
    const left = await t.deps.db.select({ tokenHash: signInChallenges.tokenHash }).from(signInChallenges).where(inArray(signInChallenges.tokenHash, rows.map((row) => row.tokenHash)));
    expect(left.map((row) => row.tokenHash).sort()).toEqual(["prune-challenge-live", "prune-challenge-recent"]);
  });

  it("`latchkey prune` with an unknown option says so, exits 1 and deletes nothing", async () => {
    const { keysLeft, sessionsLeft } = await seed("typo");
    const err: string[] = [];
    const code = await runCli(["prune", "--all"], { deps: t.deps, io: { out: () => {}, err: (line) => err.push(line) } });
    expect(code).toBe(1);
    expect(err.join("\n")).toContain("prune: unknown option --all");
    expect(await keysLeft()).toHaveLength(4);
    expect(await sessionsLeft()).toHaveLength(5);
  });

  it("a running server prunes by itself, and sign-in still counts from a clean slate afterwards", async () => {
    const { keysLeft, sessionsLeft } = await seed("timer");
    const housekeeping = startHousekeeping({ ...t.deps, logger: pino({ level: "silent" }) }, 50);
    try {
      await eventually("the housekeeping pass ran", async () => (await keysLeft()).length === 2, 10_000, 50);
      expect(await keysLeft()).toEqual(["timer:day-old", "timer:fresh"]);
      await eventually("dead sessions are gone", async () => (await sessionsLeft()).length === 3, 10_000, 50);
    } finally {
      await housekeeping.stop();
    }
    // A success leaves the account's window in the past; pruning removes it; sign-in is unaffected.
    const { users: members } = await createCompanyWithUsers(t.deps);
    const client = t.client("10.92.0.1");
    expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
    t.clock.advance(RETENTION.rateLimitWindowMs + HOUR);
    const out: string[] = [];
    await runCli(["prune"], { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => out.push(line) } });
    const accountKey = `login:account-client:${members.user.email.toLowerCase()}:10.92.0.1`;
    expect(await t.deps.db.select().from(rateLimits).where(inArray(rateLimits.key, [accountKey, "login:client-daily:10.92.0.1"]))).toEqual([]);
    expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: "wrong password entirely" })).status).toBe(401);
    expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
  });
});
