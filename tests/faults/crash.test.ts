import { createHash } from "node:crypto";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emails, forgotPasswordRequests, linkTokens, rateLimits, sessions, users } from "../../src/db/schema.ts";
import { resetRateKeys } from "../../src/features/auth/password-reset/reset-limits.ts";
import { FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { eventually, sleep, startService, type ServiceClient, type ServiceProcess, type ServiceReply } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import {
  deliveriesById,
  emailIdOf,
  freshPostgresDatabase,
  linkRowsOf,
  NEEDS_POSTGRES,
  postgresServerUrl,
  resetTokenIn,
  seedCompany,
  signInTo,
  triggerReset,
  type FaultDatabase,
} from "./support/fixture.ts";

const NEW_PASSWORD = "chosen after the crash 7741";
const sha256 = (token: string) => createHash("sha256").update(token).digest("base64url");

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "the service killed with SIGKILL" : `the service killed with SIGKILL — ${NEEDS_POSTGRES}`, () => {
  let database: FaultDatabase;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let admin: ServiceClient;
  let pool: SeedUser[];
  const take = (n: number) => pool.splice(0, n);

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    smtp = await startSmtpServer();
    const seeded = await seedCompany(database.deps, 14);
    pool = seeded.users;
    service = await startService({ env: { DATABASE_URL: database.url, SMTP_URL: smtp.url } });
    admin = await signInTo(service, seeded.admin.email);
  });
  afterAll(async () => {
    await service?.kill();
    await smtp?.stop();
    await database?.close();
  });

  it("delivers after a restart every email that was queued when it died, each user's emails carrying their one live token", async () => {
    await smtp.refuseConnections();
    const targets = take(4);
    // A second reset for the first user supersedes the first: only the newer token may ever arrive.
    const targetsAndRepeat = [...targets, targets[0] as SeedUser];
    for (const user of targetsAndRepeat) await triggerReset(admin, user.id);
    const ids = targets.map((u) => u.id);
    const queued = await eventually("every reset email tried once and waiting for SMTP", async () => {
      const rows = await database.db.select().from(emails).where(inArray(emails.userId, ids));
      // The superseded link's email is tried, or — when the worker first meets it after the newer
      // reset, as when it polls rather than LISTENs (DATABASE_POOL_MODE=transaction) — dropped untried.
      return rows.length === targetsAndRepeat.length && rows.every((row) => row.attempts >= 1 || row.status === "dropped") && rows;
    });

    const exit = await service.kill();
    expect(exit.signal).toBe("SIGKILL");
    await smtp.restart();
    await service.start();

    const settled = await eventually(
      "every queued email settled after the restart",
      async () => {
        const rows = await database.db.select().from(emails).where(inArray(emails.id, queued.map((row) => row.id)));
        return rows.every((row) => row.status === "sent" || row.status === "dropped") && rows;
      },
      60_000,
    );
    // The superseded link's email may be dropped; every other one is sent.
    expect(settled.filter((row) => row.status === "dropped").length).toBeLessThanOrEqual(1);
    for (const user of targets) {
      const received = smtp.messages.filter((m) => m.to.includes(user.email.toLowerCase()));
      expect(received.length, `emails to ${user.email}`).toBeGreaterThanOrEqual(1);
      const tokens = new Set(received.map(resetTokenIn));
      const links = await linkRowsOf(database.db, user.id);
      const live = links.filter((l) => !l.usedAt && !l.supersededAt && !l.revokedAt);
      expect(live).toHaveLength(1);
      // A duplicate of one message is acceptable; a second token is not.
      expect([...tokens].map((t) => sha256(t ?? ""))).toEqual([live[0]?.tokenHash]);
    }
    for (const [id, n] of deliveriesById(smtp)) if (queued.some((row) => row.id === id)) expect(n).toBeLessThanOrEqual(2);
  });

  it("loses no forgot-password request answered 202 when killed: the batch in the worker's hands and the requests waiting are all mailed after a restart", async () => {
    const targets = take(4);
    // The service trusts no proxy here: the client is the test's own loopback address.
    const clientAddress = "127.0.0.1";
    // The test holds the client's rate-limit row: the worker's batch blocks on it, mid-transaction, with its requests claimed.
    await database.db.insert(rateLimits).values({ key: resetRateKeys.forgotClient(clientAddress), windowStart: new Date(), count: 0 });
    let release = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = database.db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from rate_limits where key = ${resetRateKeys.forgotClient(clientAddress)} for update`);
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await isLocked;
    const anonymous = service.client();
    for (const user of targets) expect((await anonymous.post("/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
    await eventually("the worker's batch waiting on the held row", async () => {
      const waiting = await database.db.execute(sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      return (waiting as unknown as { rows: unknown[] }).rows.length >= 1;
    });

    expect((await service.kill()).signal).toBe("SIGKILL");
    release();
    await holding;
    // The killed worker's transaction rolled back: every request is in the table again.
    expect(await database.db.$count(forgotPasswordRequests)).toBe(targets.length);
    await service.start();

    const ids = targets.map((u) => u.id);
    await eventually(
      "a reset email sent to each of them after the restart",
      async () => {
        const rows = await database.db.select().from(emails).where(inArray(emails.userId, ids));
        return rows.length === targets.length && rows.every((row) => row.status === "sent");
      },
      30_000,
    );
    expect(await database.db.$count(forgotPasswordRequests)).toBe(0);
    for (const user of targets) {
      expect(await database.db.$count(linkTokens, eq(linkTokens.userId, user.id)), user.email).toBe(1);
      expect(resetTokenIn(await smtp.waitFor({ to: user.email }))).not.toBeNull();
    }
  });

  it("sends after a restart the email that was in the worker's hands when it died, within seconds rather than minutes", async () => {
    const [user] = take(1);
    if (!user) throw new Error("seed");
    smtp.setMode("slow", { slowMs: 3_000 });
    const since = smtp.attempts;
    await triggerReset(admin, user.id);
    await eventually("the worker holds the email at the SMTP server", async () => smtp.attempts > since, 10_000, 20);
    await service.kill();
    const killedAt = Date.now();
    smtp.setMode("accept");
    await smtp.restart();
    await service.start();
    const [row] = await database.db.select().from(emails).where(eq(emails.userId, user.id));
    // A job whose instance died is noticed by its missed heartbeats, not after expireInSeconds.
    await eventually("the email sent after the restart", async () => (await database.db.select().from(emails).where(eq(emails.id, row?.id ?? ""))).every((r) => r.status === "sent"), 60_000);
    console.info(`the email in hand at the crash was sent ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
    expect(resetTokenIn(await smtp.waitFor({ to: user.email }))).not.toBeNull();
  });

  it("leaves no half-done reset when killed while resets are being submitted: password, link, sessions, email and audit agree", async () => {
    smtp.setMode("accept");
    const targets = take(6);
    const before = new Map<string, string | null>();
    const tokens = new Map<string, string>();
    for (const user of targets) {
      const since = smtp.messages.length;
      await triggerReset(admin, user.id);
      const message = await smtp.waitFor((m) => smtp.messages.indexOf(m) >= since && m.to.includes(user.email.toLowerCase()), 20_000);
      tokens.set(user.id, resetTokenIn(message) ?? "");
      await signInTo(service, user.email);
      const [row] = await database.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
      before.set(user.id, row?.hash ?? null);
    }

    // Submissions at staggered moments, then the crash in the middle of them.
    const answers = new Map<string, Promise<ServiceReply | Error>>();
    const anonymous = service.client();
    await anonymous.csrfToken();
    targets.forEach((user, i) => {
      answers.set(
        user.id,
        sleep(i * 35).then(() =>
          anonymous
            .post("/api/v1/links/set-password", { token: tokens.get(user.id), password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD })
            .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
        ),
      );
    });
    await sleep(120);
    await service.kill();
    const outcomes = new Map<string, ServiceReply | Error>();
    for (const [id, answer] of answers) outcomes.set(id, await answer);
    await service.start();

    let completed = 0;
    for (const user of targets) {
      const [row] = await database.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
      const passwordChanged = row?.hash !== before.get(user.id);
      const [link] = await linkRowsOf(database.db, user.id);
      const linkUsed = Boolean(link?.usedAt);
      const changedEmails = await database.db.select().from(emails).where(and(eq(emails.userId, user.id), eq(emails.kind, "password_changed")));
      const liveSessions = await database.db.select().from(sessions).where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)));
      const audit = await database.db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, user.id), eq(auditEvents.action, "password_reset.completed")));
      const state = { passwordChanged, linkUsed, changedEmail: changedEmails.length === 1, sessionsRevoked: liveSessions.length === 0, audited: audit.length === 1 };
      const all = Object.values(state);
      expect(all.every((v) => v === all[0]), `${user.email}: ${JSON.stringify(state)}`).toBe(true);
      expect(changedEmails.length).toBeLessThanOrEqual(1);
      const outcome = outcomes.get(user.id);
      // An answered success is durable.
      if (outcome && !(outcome instanceof Error) && outcome.status === 200) expect(linkUsed).toBe(true);

      const login = (password: string) => service.client().post("/api/v1/auth/login", { email: user.email, password });
      if (linkUsed) {
        completed += 1;
        expect((await login(NEW_PASSWORD)).status).toBe(200);
        expect((await login(FACTORY_PASSWORD)).status).toBe(401);
      } else {
        expect((await login(FACTORY_PASSWORD)).status).toBe(200);
        // Nothing was consumed: the link still works after the restart.
        const again = await service.client().post("/api/v1/links/set-password", { token: tokens.get(user.id), password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD });
        expect(again.status).toBe(200);
      }
    }
    console.info(`killed mid-submission: ${completed} of ${targets.length} resets had completed, the rest were untouched`);
    // Every "password changed" email, including those queued just before the crash, goes out.
    await eventually(
      "the password-changed emails delivered",
      async () => {
        const rows = await database.db.select().from(emails).where(and(inArray(emails.userId, targets.map((u) => u.id)), eq(emails.kind, "password_changed")));
        return rows.length === targets.length && rows.every((r) => r.status === "sent" && deliveriesById(smtp).has(r.id));
      },
      60_000,
    );
    expect(smtp.messages.filter((m) => emailIdOf(m) === "").length).toBe(0);
  });
});
