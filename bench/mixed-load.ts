/**
 * The mixed load of issue 5: sign-ins, user lists, "forgot password", admin-triggered resets and
 * reset submissions against `node src/main.ts` on loopback, at a fixed rate for a fixed time (and
 * never more than --max-ops operations). Reports 5xx answers, emails the outbox holds against those
 * an in-process SMTP server received, and the server's resident memory at each sample.
 *
 *   node bench/mixed-load.ts                              # 5 minutes on a PGlite folder of its own
 *   node bench/mixed-load.ts --duration 30s --rate 10     # a quick run
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/mixed-load.ts   # a throw-away database there
 *   node bench/mixed-load.ts --scrape metrics.txt         # and save the server's /metrics after the drain
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { systemClock } from "../src/clock.ts";
import { parseDuration } from "../src/config.ts";
import { migrateDatabase, openDatabase, queryRows, type Database } from "../src/db/client.ts";
import { createCompany, createUser, FACTORY_PASSWORD, type SeedUser } from "../tests/support/factories.ts";
import { ServiceProcess, freePort, sleep, type ServiceClient } from "../tests/support/process.ts";
import { startSmtpServer } from "../tests/support/smtp-server.ts";
import { flags, percentile } from "./support.ts";

const options = flags({ duration: "5m", rate: "15", concurrency: "8", sample: "", "max-ops": "20000", users: "600", scrape: "" });
const durationMs = parseDuration(options.duration) ?? 300_000;
const rate = Math.max(1, Number(options.rate));
const maxOps = Math.max(1, Number(options["max-ops"]));
const concurrency = Math.max(1, Number(options.concurrency));
// RSS once a minute on a run of two minutes or more; six samples on a shorter one.
const sampleMs = parseDuration(options.sample || "") ?? (durationMs >= 120_000 ? 60_000 : Math.max(5_000, Math.round(durationMs / 6)));
const resetPoolSize = Math.max(50, Number(options.users));

// ---- a database of its own --------------------------------------------------------------
const serverUrl = process.env.TEST_DATABASE_URL;
let databaseEnv: Record<string, string>;
let dropDatabase = async () => {};
let openOwn: () => Promise<Database>;
if (serverUrl) {
  const name = `latchkey_load_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  databaseEnv = { DATABASE_URL: url.toString() };
  openOwn = () => openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
  dropDatabase = async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
} else {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-load-"));
  databaseEnv = { DATA_DIR: dir };
  openOwn = () => openDatabase({ dataDir: dir });
  dropDatabase = async () => rmSync(dir, { recursive: true, force: true });
}

// ---- seed: administrators (the per-actor reset limit is 60 an hour), sign-in users, reset targets
const seedDb = await openOwn();
await migrateDatabase(seedDb);
const deps = { db: seedDb.db, clock: systemClock };
const company = await createCompany(deps, { name: "Load Co" });
const admins: SeedUser[] = [];
for (let i = 0; i < 40; i++) admins.push(await createUser(deps, company, { role: "administrator", email: `admin${i}@load.test` }));
const loginUsers: SeedUser[] = [];
for (let i = 0; i < 50; i++) loginUsers.push(await createUser(deps, company, { email: `signin${i}@load.test` }));
const resetUsers: SeedUser[] = [];
for (let i = 0; i < resetPoolSize; i++) resetUsers.push(await createUser(deps, company, { email: `reset${i}@load.test`, name: `Reset Target ${i}` }));
const onPglite = seedDb.kind === "pglite";
// PGlite is one process's: the server takes the folder over.
if (onPglite) await seedDb.close();

const smtp = await startSmtpServer();
const metricsPort = await freePort();
const service = new ServiceProcess({
  env: { ...databaseEnv, SMTP_URL: smtp.url, TRUST_PROXY: "1", LOG_LEVEL: "error", EMAIL_RETRY_DELAY: "1s", METRICS_PORT: String(metricsPort) },
  port: await freePort(),
  readyTimeoutMs: 120_000,
});
await service.start();
const pid = service.pid ?? 0;
const rssMiB = () => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : Number.NaN;
};

// Every request comes from its own client address, as real traffic does: the per-client limits
// then guard what they guard in production instead of throttling the whole benchmark.
const randomClient = () => `10.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T;
async function signedIn(user: SeedUser): Promise<ServiceClient> {
  const client = service.client({ clientAddress: randomClient() });
  const reply = await client.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
  if (reply.status !== 200) throw new Error(`sign-in of ${user.email} answered ${reply.status}`);
  return client;
}
const adminBrowsers = await Promise.all(admins.map(signedIn));
let adminTurn = 0;
const nextAdmin = () => adminBrowsers[adminTurn++ % adminBrowsers.length] as ServiceClient;
const usedTokens = new Set<string>();
let newPasswordSequence = 0;

type Op = "login" | "users list" | "forgot password" | "trigger reset" | "reset submit";
const MIX: Array<[Op, number]> = [["login", 25], ["users list", 35], ["forgot password", 15], ["trigger reset", 15], ["reset submit", 10]];
function chooseOp(): Op {
  let roll = Math.random() * 100;
  for (const [op, weight] of MIX) if ((roll -= weight) < 0) return op;
  return "users list";
}

/** An unused reset token from a delivered email, newest first, or null when none is waiting. */
function unusedToken(): string | null {
  for (let i = smtp.messages.length - 1; i >= 0; i--) {
    const message = smtp.messages[i];
    const link = message ? smtp.linksIn(message).find((url) => url.includes("/reset-password#token=")) : undefined;
    const token = link ? new URL(link).hash.replace(/^#token=/, "") : null;
    if (token && !usedTokens.has(token)) {
      usedTokens.add(token);
      return token;
    }
  }
  return null;
}

async function run(op: Op): Promise<number> {
  const anonymous = () => service.client({ clientAddress: randomClient() });
  switch (op) {
    case "login":
      return (await anonymous().post("/api/v1/auth/login", { email: pick(loginUsers).email, password: FACTORY_PASSWORD })).status;
    case "users list":
      return (await nextAdmin().get(`/api/v1/users?q=${encodeURIComponent(pick(["", "reset", "reset target 1", "signin", "admin"]))}&limit=25`)).status;
    case "forgot password":
      return (await anonymous().post("/api/v1/auth/forgot-password", { email: pick(resetUsers).email })).status;
    case "trigger reset":
      return (await nextAdmin().post(`/api/v1/users/${pick(resetUsers).id}/password-reset`)).status;
    case "reset submit": {
      const token = unusedToken();
      if (!token) return (await nextAdmin().get("/api/v1/users?limit=25")).status;
      const password = `load run passphrase number ${++newPasswordSequence}`;
      return (await anonymous().post("/api/v1/links/set-password", { token, password, passwordConfirmation: password })).status;
    }
  }
}

// ---- the load: an open loop at --rate, never more than --concurrency in flight -----------
const results = new Map<Op, { statuses: Map<string, number>; ms: number[] }>(MIX.map(([op]) => [op, { statuses: new Map(), ms: [] }]));
let inFlight = 0;
let started = 0;
let shed = 0;
const rss: Array<{ atS: number; mib: number }> = [{ atS: 0, mib: rssMiB() }];
const begin = Date.now();
const sampler = setInterval(() => rss.push({ atS: Math.round((Date.now() - begin) / 1000), mib: rssMiB() }), sampleMs);
const pending = new Set<Promise<void>>();
console.log(`mixed load: ${options.duration} at ${rate} ops/s (≤ ${concurrency} in flight, ≤ ${maxOps} ops) on ${onPglite ? "PGlite" : "PostgreSQL"}, server pid ${pid}`);
while (Date.now() - begin < durationMs && started < maxOps) {
  const due = begin + (started + shed) * (1000 / rate);
  if (due > Date.now()) await sleep(due - Date.now());
  if (inFlight >= concurrency) {
    shed += 1;
    continue;
  }
  const op = chooseOp();
  started += 1;
  inFlight += 1;
  const t0 = performance.now();
  const task = run(op)
    .then((status) => String(status))
    .catch((error: unknown) => `error ${error instanceof Error ? error.message.slice(0, 40) : String(error)}`)
    .then((status) => {
      const entry = results.get(op);
      entry?.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
      entry?.ms.push(performance.now() - t0);
      inFlight -= 1;
    });
  pending.add(task);
  void task.then(() => pending.delete(task));
}
await Promise.all(pending);
clearInterval(sampler);
rss.push({ atS: Math.round((Date.now() - begin) / 1000), mib: rssMiB() });
const elapsedS = (Date.now() - begin) / 1000;

// ---- drain: wait until the SMTP server has been quiet for 5 s, then stop and count ------
let last = -1;
let quietSince = Date.now();
const drainDeadline = Date.now() + 180_000;
while (Date.now() < drainDeadline) {
  if (smtp.messages.length !== last) {
    last = smtp.messages.length;
    quietSince = Date.now();
  } else if (Date.now() - quietSince > 5_000) break;
  await sleep(250);
}
if (options.scrape) {
  const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  writeFileSync(options.scrape, await scrape.text());
  console.log(`/metrics after the drain (${scrape.status}) saved to ${options.scrape}`);
}
const exit = await service.terminate();
const own = onPglite ? await openOwn() : seedDb;
const byStatus = await queryRows<{ status: string; n: number }>(own.db, sql`select status, count(*)::int as n from emails group by status order by status`);
const sentIds = new Set((await queryRows<{ id: string }>(own.db, sql`select id from emails where status = 'sent'`)).map((r) => r.id));
await own.close();
const receivedIds = smtp.messages.map((m) => String(m.headers.get("x-latchkey-email-id") ?? ""));
const uniqueReceived = new Set(receivedIds);
const lost = [...sentIds].filter((id) => !uniqueReceived.has(id)).length;
const strays = [...uniqueReceived].filter((id) => !sentIds.has(id)).length;
// Dropped is fine (the link died first: superseded or used); anything else unsent is a lost email.
const undelivered = byStatus.filter((r) => !["sent", "dropped"].includes(r.status)).reduce((sum, r) => sum + r.n, 0);

// ---- report ---------------------------------------------------------------------------------
let fiveXx = 0;
console.log(`\n${started} operations in ${elapsedS.toFixed(0)} s (${(started / elapsedS).toFixed(1)} ops/s), ${shed} not started because ${concurrency} were in flight`);
console.log("operation          n      p50 ms   p95 ms   statuses");
for (const [op, { statuses, ms }] of results) {
  const sorted = [...ms].sort((a, b) => a - b);
  for (const [status, n] of statuses) if (/^5/.test(status) || status.startsWith("error")) fiveXx += n;
  const shown = [...statuses].sort().map(([s, n]) => `${s}×${n}`).join(" ");
  console.log(`${op.padEnd(17)} ${String(ms.length).padStart(5)} ${percentile(sorted, 50).toFixed(1).padStart(9)} ${percentile(sorted, 95).toFixed(1).padStart(8)}   ${shown}`);
}
console.log(`\n5xx answers and connection errors: ${fiveXx}`);
console.log(`emails in the outbox by status: ${byStatus.map((r) => `${r.status} ${r.n}`).join(", ")}`);
console.log(`emails received by SMTP: ${receivedIds.length} (${uniqueReceived.size} distinct); sent but never received (lost): ${lost}; received but not recorded as sent: ${strays}; duplicates: ${receivedIds.length - uniqueReceived.size}`);
console.log(`emails neither sent nor dropped after the drain: ${undelivered}`);
console.log(`server RSS (MiB): ${rss.map((s) => `${s.atS}s ${s.mib}`).join(" · ")}`);
console.log(`server exit on SIGTERM: ${JSON.stringify(exit)}`);
await smtp.stop();
await dropDatabase();
process.exit(fiveXx === 0 && lost === 0 && undelivered === 0 ? 0 : 1);
