/**
 * Issue 21's lab, not part of the suite: N forgot-password requests for existing addresses written
 * straight into the request table while a server runs, then how long the worker takes to empty it
 * and how long until the SMTP sink has every email — the background path alone, no HTTP load — and
 * the CPU each email cost the server, PostgreSQL and the sink.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_bench_forgot node bench/drain-lab.ts [--requests 2000]
 */
import { startSmtpServer } from "../tests/support/smtp-server.ts";
import { openBenchDb } from "./bench-db.ts";
import { DEFAULT_BENCH_DATABASE_URL } from "./fixtures.ts";
import { flags, startServer } from "./support.ts";
import pg from "pg";
import { cpuPerRequest, cpuSnapshot } from "./cpu-time.ts";

const { requests } = flags({ requests: "2000" });
const n = Number(requests);
const url = process.env.DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;
const db = openBenchDb(url);
await db.startClean();
const smtp = await startSmtpServer({ parse: false });
const server = await startServer({ ...process.env, DATABASE_URL: url, SMTP_URL: smtp.url, NODE_ENV: "production" });
const pool = new pg.Pool({ connectionString: url, max: 1 });
try {
  await db.clearRateLimits();
  await db.settle();
  const emails = await db.activeUsers("Bench Co", "user", "email_normalized", n, 50_000 + Math.floor(Math.random() * 20_000));
  smtp.messages.length = 0;
  const cpuBefore = cpuSnapshot(server.pid);
  const started = performance.now();
  await pool.query(
    `insert into forgot_password_requests (email, client_address, requested_at) select e, '10.9.' || (i / 256)::int || '.' || (i % 256), now() from unnest($1::text[]) with ordinality as x(e, i)`,
    [emails],
  );
  for (;;) {
    const { rows } = await pool.query("select count(*)::int as n from forgot_password_requests");
    if (rows[0].n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const drained = (performance.now() - started) / 1000;
  while (smtp.messages.length < emails.length && performance.now() - started < 180_000) await new Promise((resolve) => setTimeout(resolve, 20));
  const mailed = (performance.now() - started) / 1000;
  const cpu = cpuPerRequest(cpuBefore, cpuSnapshot(server.pid), emails.length);
  console.log(`${emails.length} requests: table empty after ${drained.toFixed(2)} s (${(emails.length / drained).toFixed(0)}/s), ${smtp.messages.length} emails after ${mailed.toFixed(2)} s (${(smtp.messages.length / mailed).toFixed(0)}/s)`);
  // CPU per email, to the last one: steadier than the rates when the machine's speed moves.
  console.log(`CPU ms per email: server ${cpu.serverMs?.toFixed(2) ?? "?"}, PostgreSQL ${cpu.postgresMs?.toFixed(2) ?? "?"}, this process (the SMTP sink) ${cpu.loadGeneratorMs.toFixed(2)}`);
} finally {
  await pool.end();
  await server.stop();
  await smtp.stop();
  await db.close();
}
