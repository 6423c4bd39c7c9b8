import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { migrateDatabase, openDatabase, type Database } from "../../src/db/client.ts";
import type { SeedUser } from "../support/factories.ts";
import { eventually, sleep, startService, type ServiceClient, type ServiceProcess } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import { NEEDS_POSTGRES, postgresServerUrl, seedCompany, signInTo, triggerReset } from "./support/fixture.ts";
import { findPostgresBinaries, startThrowawayPostgres, type ThrowawayPostgres } from "./support/throwaway-postgres.ts";

type Phase = "up" | "stopping" | "down" | "recovering" | "after";
interface Sample {
  /** The phase the request was sent and answered in, or "between" when those differ. */
  phase: Phase | "between";
  what: string;
  status: number;
  ms: number;
  error?: string;
}

const bin = findPostgresBinaries();
const skipReason = !postgresServerUrl ? NEEDS_POSTGRES : !bin ? "skipped: no PostgreSQL binaries under /usr/lib/postgresql to run a server of the test's own" : null;

describe.skipIf(skipReason !== null)(skipReason ? `PostgreSQL restarted under traffic — ${skipReason}` : "PostgreSQL restarted under traffic", () => {
  let postgres: ThrowawayPostgres;
  let database: Database;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let admin: ServiceClient;
  let users: SeedUser[];

  beforeAll(async () => {
    if (!bin) return;
    postgres = await startThrowawayPostgres(bin);
    database = await openDatabase({ databaseUrl: postgres.url, poolSize: 2 });
    await migrateDatabase(database);
    const seeded = await seedCompany({ db: database.db, clock: systemClock }, 4);
    users = seeded.users;
    smtp = await startSmtpServer();
    service = await startService({ env: { DATABASE_URL: postgres.url, SMTP_URL: smtp.url, DATABASE_POOL_SIZE: "5", TRUST_PROXY: "1" } });
    admin = await signInTo(service, seeded.admin.email);
  });
  afterAll(async () => {
    await service?.kill();
    await smtp?.stop();
    await database?.close().catch(() => {});
    postgres?.destroy();
  });

  it("answers 503 at once while PostgreSQL is down, never hangs or crashes, and recovers without a restart", async () => {
    const samples: Sample[] = [];
    let phase: Phase = "up";
    let running = true;
    // Its own client address: the traffic's forgot-password requests exhaust their per-client limit.
    const anonymous = service.client({ clientAddress: "203.0.113.10" });
    await anonymous.csrfToken();
    // Forgot password from many addresses: one client past twice its limit is answered without a
    // row by the guard in front of the table (decision 0034), so it would not meet the database.
    const visitors = Array.from({ length: 100 }, (_, i) => service.client({ clientAddress: `198.51.100.${i + 1}` }));
    for (const visitor of visitors) await visitor.csrfToken();
    let nextVisitor = 0;
    const visitor = () => visitors[nextVisitor++ % visitors.length] ?? anonymous;
    const requests: Array<[string, () => Promise<{ status: number; ms: number }>]> = [
      ["users list", () => admin.get("/api/v1/users")],
      ["me", () => admin.get("/api/v1/auth/me")],
      ["forgot password", () => visitor().post("/api/v1/auth/forgot-password", { email: "nobody@example.test" })],
      ["readyz", () => anonymous.get("/readyz")],
    ];
    const traffic = requests.map(async ([what, send]) => {
      while (running) {
        const sentIn = phase;
        const started = performance.now();
        const answeredIn = () => (phase === sentIn ? sentIn : "between");
        try {
          const reply = await send();
          samples.push({ phase: answeredIn(), what, status: reply.status, ms: reply.ms });
        } catch (error) {
          samples.push({ phase: answeredIn(), what, status: -1, ms: performance.now() - started, error: String(error) });
        }
        await sleep(50);
      }
    });
    const pid = service.pid;

    await sleep(1_500);
    // Requests sent or answered while the server shuts down or starts may get either answer.
    phase = "stopping";
    await postgres.stop("fast");
    phase = "down";
    await sleep(4_000);
    phase = "recovering";
    await postgres.start();
    await eventually("the users list answers 200 again", async () => (await admin.get("/api/v1/users")).status === 200, 30_000).catch((error: unknown) => {
      // A service that died (it once did, on an unhandled pg 'error' event) says why in its output.
      throw new Error(`${String(error)}\nservice ${service.alive ? "alive" : "exited"}; its last output:\n${service.output().slice(-4000)}`);
    });
    phase = "after";
    await sleep(1_000);
    running = false;
    await Promise.all(traffic);

    const of = (p: Phase) => samples.filter((s) => s.phase === p);
    const down = of("down");
    expect(down.length).toBeGreaterThan(8);
    // No hang, no reset connection, no 500: every answer while down is a prompt 503.
    expect(samples.filter((s) => s.status === -1)).toEqual([]);
    expect(samples.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([]);
    expect(down.filter((s) => s.status !== 503)).toEqual([]);
    const slowest = Math.max(...down.map((s) => s.ms));
    expect(slowest, "slowest answer while PostgreSQL was down").toBeLessThan(5_000);
    expect(of("up").every((s) => s.status < 500)).toBe(true);
    expect(of("after").every((s) => s.status < 500)).toBe(true);
    // The same process throughout, with its sessions intact.
    expect(service.alive).toBe(true);
    expect(service.pid).toBe(pid);
    expect((await admin.get("/api/v1/auth/me")).status).toBe(200);

    // The email worker and the forgot-password worker came back on their own too.
    const [first, second] = users;
    if (!first || !second) throw new Error("seed");
    await triggerReset(admin, first.id);
    await smtp.waitFor({ to: first.email, subject: /reset/i }, 30_000);
    const fresh = service.client({ clientAddress: "203.0.113.11" });
    expect((await fresh.post("/api/v1/auth/forgot-password", { email: second.email })).status).toBe(202);
    await smtp.waitFor({ to: second.email, subject: /reset/i }, 30_000);
    console.info(`PostgreSQL down ${down.length} requests: all 503, slowest ${slowest.toFixed(0)} ms`);
  });
});
