import { and, eq, gte, inArray, like, sum } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emails, rateLimits } from "../../src/db/schema.ts";
import { WORKER_NAMES } from "../../src/workers.ts";
import { FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { eventually, sleep, startService, type ServiceClient, type ServiceProcess } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import { deliveriesById, freshPostgresDatabase, NEEDS_POSTGRES, postgresServerUrl, seedCompany, signInTo, triggerReset, type FaultDatabase } from "./support/fixture.ts";

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "graceful shutdown on SIGTERM" : `graceful shutdown on SIGTERM — ${NEEDS_POSTGRES}`, () => {
  let database: FaultDatabase;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let admin: ServiceClient;
  let users: SeedUser[];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    smtp = await startSmtpServer();
    const seeded = await seedCompany(database.deps, 5);
    users = seeded.users;
    // One hash at a time: sign-ins queue up, so several are in flight when the signal comes.
    service = await startService({ env: { DATABASE_URL: database.url, SMTP_URL: smtp.url, HASH_CONCURRENCY: "1" } });
    admin = await signInTo(service, seeded.admin.email);
  });
  afterAll(async () => {
    await service?.kill();
    await smtp?.stop();
    await database?.close();
  });

  it("finishes in-flight requests, stops taking email jobs, exits 0, and every email goes out after the restart exactly once", async () => {
    smtp.setMode("slow", { slowMs: 2_500 });
    const targets = users.slice(0, 6);
    for (const user of targets) await triggerReset(admin, user.id);
    const rows = await database.db.select({ id: emails.id }).from(emails).where(inArray(emails.userId, targets.map((u) => u.id)));
    expect(rows).toHaveLength(targets.length);
    await eventually("the worker holds an email at the SMTP server", async () => smtp.attempts >= 1, 10_000, 20);

    const browser = service.client();
    await browser.csrfToken();
    const inFlight = Array.from({ length: 8 }, () => browser.post("/api/v1/auth/login", { email: users[0]?.email, password: FACTORY_PASSWORD }));
    await sleep(150);
    const exit = await service.terminate();

    const answers = await Promise.allSettled(inFlight);
    expect(answers.map((a) => (a.status === "fulfilled" ? a.value.status : String(a.reason)))).toEqual(answers.map(() => 200));
    expect(exit).toEqual({ code: 0, signal: null });
    const atExit = await database.db.select().from(emails).where(inArray(emails.id, rows.map((r) => r.id)));
    // The emails in hand were finished and recorded; the rest were left for the next start, none failed.
    const sentAtExit = atExit.filter((r) => r.status === "sent");
    expect(sentAtExit.length).toBeGreaterThanOrEqual(1);
    // Some were still waiting for the worker: it stopped taking jobs. Through a transaction-mode pooler
    // (DATABASE_POOL_MODE=transaction, no LISTEN) the worker's poll takes all six in one fetch before
    // the SIGTERM, so all six are in hand and finished — the run through PgBouncer (scripts/pgbouncer-check.sh).
    if (process.env.DATABASE_POOL_MODE !== "transaction") expect(sentAtExit.length).toBeLessThan(targets.length);
    expect(atExit.filter((r) => r.status === "failed" || r.status === "dropped")).toEqual([]);
    const received = deliveriesById(smtp);
    expect(sentAtExit.every((r) => received.get(r.id) === 1)).toBe(true);

    smtp.setMode("accept");
    await service.start();
    await eventually(
      "every email sent after the restart",
      async () => (await database.db.select().from(emails).where(inArray(emails.id, rows.map((r) => r.id)))).every((r) => r.status === "sent"),
      60_000,
    );
    const counts = deliveriesById(smtp);
    expect(rows.map((r) => counts.get(r.id))).toEqual(rows.map(() => 1));
  });

  it("lets requests whose client already went away finish before it closes the database", async () => {
    if (!service.alive) await service.start();
    const since = new Date();
    const outputBefore = service.output().length;
    // A sign-in counts itself on its client's daily limit first and gives the count back when it
    // succeeds: what is left over after shutdown is sign-ins that began and never finished.
    const begunNotFinished = async () =>
      Number((await database.db.select({ n: sum(rateLimits.count) }).from(rateLimits).where(like(rateLimits.key, "login:client-daily:%")))[0]?.n ?? 0);
    const leftBefore = await begunNotFinished();
    const browser = service.client();
    const token = await browser.csrfToken();
    // One hash at a time: most of these sign-ins are still queued when their clients give up.
    const accounts = users.slice(1, 5).flatMap((user) => Array.from({ length: 9 }, () => user));
    const abandoned = accounts.map((user) =>
      browser.request("POST", "/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD }, { "x-csrf-token": token }, 40).catch(() => "aborted"),
    );
    expect((await Promise.all(abandoned)).filter((a) => a === "aborted").length).toBeGreaterThan(0);
    const exit = await service.terminate();
    expect(exit).toEqual({ code: 0, signal: null });
    // Those the server had begun ran to the end: none failed on a closed pool (an "unhandled error").
    const output = service.output().slice(outputBefore);
    expect(output.split("\n").filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    expect(output).not.toContain("shutting down with requests still running");
    expect(await begunNotFinished()).toBe(leftBefore);
    const succeeded = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "login.succeeded"), gte(auditEvents.at, since), inArray(auditEvents.targetUserId, accounts.map((u) => u.id))));
    expect(succeeded.length).toBeGreaterThan(0);
    console.info(`${succeeded.length} of ${accounts.length} abandoned sign-ins had reached the server; every one of those finished`);
  });
});

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "the background workers of the server process" : `the background workers of the server process — ${NEEDS_POSTGRES}`, () => {
  let database: FaultDatabase;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    smtp = await startSmtpServer();
    service = await startService({ env: { DATABASE_URL: database.url, SMTP_URL: smtp.url, LOG_LEVEL: "info" } });
  });
  afterAll(async () => {
    await service?.kill();
    await smtp?.stop();
    await database?.close();
  });

  /** The service's JSON log lines, in order. */
  const logLines = () =>
    service
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: number; msg: string; workers?: string[] });

  it("starts every registered worker with the process, and on SIGTERM stops them all after the requests and before it exits", async () => {
    const started = logLines().filter((line) => line.msg === "background workers started");
    expect(started.map((line) => line.workers)).toEqual([WORKER_NAMES]);

    // The forgot-password job and its email are taken by the process's own workers.
    const { users } = await seedCompany(database.deps, 2);
    const anonymous = service.client();
    for (const user of users) expect((await anonymous.post("/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
    for (const user of users) await smtp.waitFor({ to: user.email, subject: /reset/i }, 20_000);

    expect(await service.terminate()).toEqual({ code: 0, signal: null });
    const lines = logLines();
    const shuttingDown = lines.findIndex((line) => line.msg === "shutting down: finishing in-flight requests");
    const stopped = lines.findIndex((line) => line.msg === "background workers stopped");
    expect(shuttingDown).toBeGreaterThanOrEqual(0);
    expect(stopped).toBeGreaterThan(shuttingDown);
    expect(lines[stopped]?.workers).toEqual(WORKER_NAMES);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
