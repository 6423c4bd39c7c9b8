/**
 * The load suite (issue 6) on PostgreSQL: start-up times, then a server of its own with an SMTP
 * sink, the scenarios, the ratios, and results.json / results.md / chart.svg in bench/results/.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_bench node bench/suite.ts [--quick] [--no-startup] [--only pages|auth|second-factor|forgot|resets|oidc|api-clients|webhooks]
 * (--only runs one group of scenarios and skips start-up: for measuring a change before and after.) Needs the data of generate-users.ts and generate-companies.ts (run.ts makes it first).
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { startSmtpServer } from "../tests/support/smtp-server.ts";
import { fetchCsrf } from "./api-client.ts";
import { openBenchDb } from "./bench-db.ts";
import { ratiosOf } from "./ratios.ts";
import { writeReport, type Report } from "./report.ts";
import { makeContext, FULL_PACE, QUICK_PACE } from "./scenario-context.ts";
import { apiClientScenarios } from "./scenarios/api-clients.ts";
import { authScenarios } from "./scenarios/auth.ts";
import { forgotScenarios } from "./scenarios/forgot.ts";
import { oidcScenarios } from "./scenarios/oidc.ts";
import { pageScenarios } from "./scenarios/pages.ts";
import { resetScenarios } from "./scenarios/resets.ts";
import { secondFactorScenarios } from "./scenarios/second-factor.ts";
import { webhookScenarios } from "./scenarios/webhooks.ts";
import { measureStartup, type StartupFigures } from "./startup-modes.ts";
import { DEFAULT_BENCH_DATABASE_URL } from "./fixtures.ts";
import { ROOT, startServer } from "./support.ts";

const quick = process.argv.includes("--quick");
const pace = quick ? QUICK_PACE : FULL_PACE;
const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;
const started = performance.now();
const meta: Report["meta"] = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  database: `PostgreSQL ${new URL(databaseUrl).pathname.slice(1)} on ${new URL(databaseUrl).host}`,
  node: process.version,
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? "unknown",
  "load average before (1 min)": loadavg()[0]?.toFixed(2) ?? "?",
};

let startup: StartupFigures | null = null;
if (!process.argv.includes("--no-startup") && !process.argv.includes("--only")) {
  console.log("start-up to /readyz …");
  startup = await measureStartup(databaseUrl, quick ? { postgres: 3, existing: 3, fresh: 1 } : { postgres: 7, existing: 5, fresh: 3 });
  console.log(`  PostgreSQL ${startup.postgres.median.toFixed(0)} ms, PGlite existing ${startup.pgliteExisting.median.toFixed(0)} ms, PGlite fresh ${startup.pgliteFresh.median.toFixed(0)} ms (medians)`);
}

const db = openBenchDb(databaseUrl);
await db.startClean();
const smtp = await startSmtpServer({ parse: false });
// The webhook scenario's receiver listens on 127.0.0.1, which production refuses unless allowed.
const serverEnv = { ...process.env, DATABASE_URL: databaseUrl, SMTP_URL: smtp.url, TRUST_PROXY: "1", NODE_ENV: "production", WEBHOOK_ALLOW_LOOPBACK: "on" };
const server = await startServer(serverEnv);
meta.users = await db.countOf("users");
meta.companies = await db.countOf("companies");
console.log(`\nserver ${server.url} (pid ${server.pid}) on ${meta.database}: ${meta.users} users, ${meta.companies} companies\n`);

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const GROUPS = ["pages", "auth", "second-factor", "forgot", "oidc", "api-clients", "resets", "webhooks"];
if (only !== undefined && !GROUPS.includes(only)) throw new Error(`--only takes one of ${GROUPS.join(", ")}`);
const wanted = (group: string) => only === undefined || only === group;
let figures: Parameters<typeof ratiosOf>[0] = {};
let results: Report["scenarios"] = [];
try {
  const ctx = makeContext({ serverEnv, base: server.url, pid: server.pid, csrf: await fetchCsrf(server.url), db, smtp, pace });
  // Reads first, while no mail is being delivered in the background; the mail-heavy flows last.
  if (wanted("pages")) figures = { ...figures, pages: await pageScenarios(ctx) };
  if (wanted("auth")) figures = { ...figures, auth: await authScenarios(ctx) };
  // Issue 18: a sign-in with an authenticator app against one with the password alone.
  if (wanted("second-factor")) figures = { ...figures, secondFactor: await secondFactorScenarios(ctx) };
  // Issue 21: forgot password against the floor of a durable request, then to its last email.
  if (wanted("forgot")) figures = { ...figures, forgot: await forgotScenarios(ctx) };
  // Issue 16's provider: argon2-bound sign-ins first (no mail), then the token endpoints.
  if (wanted("oidc")) figures = { ...figures, oidc: await oidcScenarios(ctx) };
  // Issue 17's machine clients: bearer against cookie on the same list, then the client-credentials grant.
  if (wanted("api-clients")) figures = { ...figures, apiClients: await apiClientScenarios(ctx) };
  if (wanted("resets")) figures = { ...figures, resets: await resetScenarios(ctx) };
  if (wanted("webhooks")) {
    const hooks = await webhookScenarios(ctx);
    meta["webhook deliveries/s (burst, to the last delivery)"] = Math.round(hooks.deliveriesPerSecond);
    meta["webhook: last delivery after the burst's last answer (s)"] = Number(hooks.lagSeconds.toFixed(2));
    meta["action → webhook delivery p50 (ms)"] = Number(hooks.latencyP50Ms.toFixed(1));
    meta["action → webhook delivery p99 (ms)"] = Number(hooks.latencyP99Ms.toFixed(1));
  }
  results = ctx.results;
} finally {
  await server.stop();
  await smtp.stop();
  await db.close();
}

meta["suite duration (s)"] = Math.round((performance.now() - started) / 1000);
meta["load average after (1 min)"] = loadavg()[0]?.toFixed(2) ?? "?";
const report: Report = { meta, scenarios: results, ...ratiosOf(figures), startup };
const paths = writeReport(join(ROOT, "bench", "results"), report);
console.log(`\n${report.ratios.map((r) => `${r.pass ? "ok  " : "MISS"} ${r.name}: ${r.value.toFixed(3)} (goal ${r.goal})`).join("\n")}`);
console.log(`\nwritten: ${paths.md}, ${paths.json}, ${paths.svg}`);
