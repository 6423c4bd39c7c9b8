import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows } from "../db/client.ts";
import { migrationStatus } from "../db/migration-status.ts";
import type { Deps } from "../deps.ts";
import { smtpHealth } from "../email/smtp-health.ts";

/** A check that has not answered by then counts as failed: a load balancer must not wait on a hung database. */
const CHECK_TIMEOUT_MS = 2_000;

const Check = z.object({ status: z.enum(["ok", "failed"]), durationMs: z.number() });
const ReadyChecks = z.object({
  database: Check,
  migrations: Check.extend({ pending: z.number().int().optional(), applied: z.number().int().optional(), known: z.number().int().optional() }),
});
const Ready = z.object({ status: z.enum(["ready", "unavailable"]), checks: ReadyChecks });
const Health = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  checks: ReadyChecks.extend({
    outbox: z.object({
      status: z.enum(["ok", "degraded", "unknown"]),
      queued: z.number().int().optional(),
      oldestQueuedSeconds: z.number().optional(),
      degradedAfterSeconds: z.number(),
    }),
    smtp: z.object({
      status: z.enum(["ok", "degraded", "not_configured"]),
      recentAttempts: z.number().int(),
      slowestMs: z.number().nullable(),
      temporaryFailures: z.number().int(),
      degradedAfterMs: z.number(),
    }),
  }),
});

async function timed<T>(work: () => Promise<T>): Promise<{ ok: true; value: T; durationMs: number } | { ok: false; durationMs: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, value, durationMs: Math.round(performance.now() - started) };
  } catch {
    // The error itself is not reported: it may name a host, a user or a file.
    return { ok: false, durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** The checks that decide whether this instance may take traffic: the database answers, and has every migration this code needs. */
async function readiness(deps: Deps) {
  const [database, migrations] = await Promise.all([timed(() => deps.database.ping()), timed(() => migrationStatus(deps.database))]);
  const migrationsOk = migrations.ok && migrations.value.pending === 0;
  const checks = {
    database: { status: database.ok ? ("ok" as const) : ("failed" as const), durationMs: database.durationMs },
    migrations: { status: migrationsOk ? ("ok" as const) : ("failed" as const), durationMs: migrations.durationMs, ...(migrations.ok ? migrations.value : {}) },
  };
  return { ready: database.ok && migrationsOk, checks };
}

/**
 * Three endpoints, for three readers (README, "Operating Latchkey"):
 * - /healthz: the process answers (a liveness probe: restart it when this fails).
 * - /readyz: this instance may take traffic (a load balancer's check): 503 while the database does
 *   not answer or lacks a migration this code needs.
 * - /health: what a monitor watches: /readyz's checks plus the ones that degrade the service
 *   without making this instance the wrong one to send traffic to — a slow or failing SMTP server,
 *   an outbox whose oldest email waits too long. 200 while ready, degraded or not; 503 only when
 *   not ready. No check reports an error message, a host or a credential.
 */
export function healthRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/healthz", { schema: { tags: ["health"], response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({
      status: "ok" as const,
    }));
    app.get("/readyz", { schema: { tags: ["health"], response: { 200: Ready, 503: Ready } } }, async (_request, reply) => {
      const { ready, checks } = await readiness(deps);
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", checks });
    });
    app.get("/health", { schema: { tags: ["health"], response: { 200: Health, 503: Health } } }, async (_request, reply) => {
      const [{ ready, checks }, outbox] = await Promise.all([
        readiness(deps),
        timed(async () => {
          const [row] = await queryRows<{ queued: number; oldest: number | null }>(deps.db, sql`
            select count(*)::int as queued, extract(epoch from now() - min(created_at))::float8 as oldest
            from emails where status in ('queued', 'retrying')`);
          return row;
        }),
      ]);
      const { outboxAgeMs, smtpResponseMs } = deps.config.degraded;
      const oldest = outbox.ok ? Math.max(0, outbox.value?.oldest ?? 0) : undefined;
      const outboxCheck = {
        status: oldest === undefined ? ("unknown" as const) : oldest * 1000 > outboxAgeMs ? ("degraded" as const) : ("ok" as const),
        ...(outbox.ok ? { queued: outbox.value?.queued ?? 0, oldestQueuedSeconds: Math.round(oldest ?? 0) } : {}),
        degradedAfterSeconds: outboxAgeMs / 1000,
      };
      const smtp = deps.mailTransport.kind === "smtp" ? smtpHealth(smtpResponseMs) : { status: "not_configured" as const, recentAttempts: 0, slowestMs: null, temporaryFailures: 0 };
      const smtpCheck = { ...smtp, degradedAfterMs: smtpResponseMs };
      const degraded = outboxCheck.status === "degraded" || smtpCheck.status === "degraded";
      const status = !ready ? "unavailable" : degraded ? "degraded" : "ok";
      return reply.code(ready ? 200 : 503).send({ status, checks: { ...checks, outbox: outboxCheck, smtp: smtpCheck } });
    });
  };
}
