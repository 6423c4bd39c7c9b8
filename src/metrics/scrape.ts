import client from "prom-client";
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../db/client.ts";
import { boundedLabel, registry } from "./metrics.ts";

const outboxEmails = new client.Gauge({
  name: "latchkey_outbox_emails",
  help: "Emails waiting in the outbox (shared by every instance), by kind and state (queued, retrying).",
  labelNames: ["kind", "state"] as const,
  registers: [registry],
});
const outboxOldest = new client.Gauge({
  name: "latchkey_outbox_oldest_age_seconds",
  help: "Age of the oldest email still queued or retrying; 0 when the outbox is empty.",
  registers: [registry],
});
const queueJobs = new client.Gauge({
  name: "latchkey_job_queue_jobs",
  help: "pg-boss jobs by queue and state (queued, deferred, active, failed), as pg-boss's monitor last counted them (every 10 s).",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
});
const webhooksPending = new client.Gauge({
  name: "latchkey_webhook_deliveries_pending",
  help: "Webhook deliveries not yet delivered nor given up (shared by every instance).",
  registers: [registry],
});
const webhooksOverdue = new client.Gauge({
  name: "latchkey_webhook_oldest_due_age_seconds",
  help: "How long the most overdue pending webhook delivery has been due; 0 when none is.",
  registers: [registry],
});
const forgotWaiting = new client.Gauge({
  name: "latchkey_forgot_password_requests_waiting",
  help: "Forgot-password requests accepted and not yet processed (shared by every instance).",
  registers: [registry],
});
const databaseUp = new client.Gauge({
  name: "latchkey_metrics_database_up",
  help: "1 when this scrape could read the shared values from the database, 0 when it could not (they are then left out).",
  registers: [registry],
});
const scrapeDuration = new client.Gauge({
  name: "latchkey_metrics_database_read_seconds",
  help: "Time this scrape spent reading the shared values from the database.",
  registers: [registry],
});
new client.Gauge({
  name: "latchkey_database_info",
  help: "Which database this instance runs on (driver: pglite or postgres). PGlite has one connection and no pool.",
  labelNames: ["driver"] as const,
  registers: [registry],
});

const DB_GAUGES = [outboxEmails, outboxOldest, queueJobs, webhooksPending, webhooksOverdue, forgotWaiting];

/**
 * The values that live in the database, read when Prometheus asks, in one round trip of cheap
 * statements: every one is served by a partial or status index, or by pg-boss's own counts (its
 * queue table, one row per queue). Reading them at scrape time, not caching them per instance,
 * means every instance reports the same truth about the shared outbox and queues.
 */
async function readSharedValues(database: Database): Promise<void> {
  const started = performance.now();
  const [outbox, queues, shared] = await Promise.all([
    queryRows<{ kind: string; status: string; n: number }>(database.db, sql`
      select kind, status::text as status, count(*)::int as n from emails where status in ('queued', 'retrying') group by kind, status`),
    queryRows<{ name: string; queued: number; deferred: number; active: number; failed: number }>(database.db, sql`
      select name, queued_count as queued, deferred_count as deferred, active_count as active, failed_count as failed from pgboss.queue`),
    queryRows<{ oldest: number | null; webhooks: number; overdue: number | null; forgot: number }>(database.db, sql`
      select extract(epoch from now() - (select min(created_at) from emails where status in ('queued', 'retrying')))::float8 as oldest,
             (select count(*) from webhook_deliveries where status = 'pending')::int as webhooks,
             extract(epoch from now() - (select min(next_attempt_at) from webhook_deliveries where status = 'pending' and next_attempt_at <= now()))::float8 as overdue,
             (select count(*) from forgot_password_requests)::int as forgot`),
  ]);
  for (const gauge of DB_GAUGES) gauge.reset();
  for (const row of outbox) outboxEmails.set({ kind: boundedLabel(row.kind), state: row.status }, row.n);
  for (const state of ["queued", "retrying"]) if (!outbox.some((row) => row.status === state)) outboxEmails.set({ kind: "all", state }, 0);
  for (const row of queues) {
    for (const state of ["queued", "deferred", "active", "failed"] as const) queueJobs.set({ queue: boundedLabel(row.name), state }, Number(row[state]));
  }
  const values = shared[0];
  outboxOldest.set(Math.max(0, values?.oldest ?? 0));
  webhooksPending.set(values?.webhooks ?? 0);
  webhooksOverdue.set(Math.max(0, values?.overdue ?? 0));
  forgotWaiting.set(values?.forgot ?? 0);
  scrapeDuration.set((performance.now() - started) / 1000);
}

/** The text Prometheus reads: this process's counters, and the shared values as the database has them now. */
export async function scrapeMetrics(database: Database): Promise<{ contentType: string; body: string }> {
  (registry.getSingleMetric("latchkey_database_info") as client.Gauge | undefined)?.set({ driver: database.kind }, 1);
  try {
    await readSharedValues(database);
    databaseUp.set(1);
  } catch {
    // A scrape while the database is down still reports the process (event loop, memory, HTTP 503s).
    for (const gauge of DB_GAUGES) gauge.reset();
    databaseUp.set(0);
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}
