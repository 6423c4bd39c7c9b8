import { inArray, sql, type SQL } from "drizzle-orm";
import { queryRows, type Executor } from "../db/client.ts";
import { rateLimits } from "../db/schema.ts";
import { AppError } from "../errors.ts";
import { boundedLabel, metrics } from "../metrics/metrics.ts";
import { recordAuditEvent, type AuditEventInput } from "./audit/record-audit-event.ts";

export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface RateHit {
  allowed: boolean;
  count: number;
  /** When the window ends and the count starts again. */
  resetAt: Date;
}

const floorOf = (rule: RateRule, now: Date) => new Date(now.getTime() - rule.windowMs);

/** The upsert's conflict branch: a window that has ended starts again at one. */
const countOrRestart = (floor: SQL, now: Date) => sql`
    on conflict (key) do update set
      count = case when r.window_start <= ${floor} then 1 else r.count + 1 end,
      window_start = case when r.window_start <= ${floor} then ${now} else r.window_start end`;

/** A hit from a rate_limits row's count and window start (for statements that count limits themselves). */
export function rateHitOf(rule: RateRule, row: { count: number; window_start: Date | string }): RateHit {
  const count = Number(row.count);
  return { allowed: count <= rule.limit, count, resetAt: new Date(new Date(row.window_start).getTime() + rule.windowMs) };
}

/**
 * How many more hits the tightest of these limits allows now, counting nothing: a window that has
 * ended (its start at or before the floor, as the upserts below decide) holds nothing back.
 */
export async function hitsLeft(db: Executor, limits: { key: string; rule: RateRule }[], now: Date): Promise<number> {
  const rows = await db.select().from(rateLimits).where(inArray(rateLimits.key, limits.map((limit) => limit.key)));
  return Math.min(
    ...limits.map(({ key, rule }) => {
      const row = rows.find((r) => r.key === key);
      const live = row !== undefined && row.windowStart.getTime() > floorOf(rule, now).getTime();
      return Math.max(0, rule.limit - (live ? row.count : 0));
    }),
  );
}

/**
 * Counts one hit on each of several limits — fixed windows stored in PostgreSQL, so every instance
 * shares the counts — in one upsert (one round trip), answering in the order
 * asked. Concurrent hits on one key serialise on its row; rows are taken in the order given, so
 * callers that share keys must name them in the same order.
 */
export async function hitRateLimits(db: Executor, hits: { key: string; rule: RateRule }[], now: Date): Promise<RateHit[]> {
  if (new Set(hits.map((hit) => hit.key)).size !== hits.length) throw new Error("a rate-limit key is counted twice in one statement");
  const floor = sql`(case r.key ${sql.join(
    hits.map(({ key, rule }) => sql`when ${key} then ${floorOf(rule, now)}::timestamptz`),
    sql` `,
  )} end)`;
  const rows = await queryRows<{ key: string; count: number; window_start: Date | string }>(db, sql`
    insert into rate_limits as r (key, window_start, count) values ${sql.join(
      hits.map(({ key }) => sql`(${key}, ${now}, 1)`),
      sql`, `,
    )}
    ${countOrRestart(floor, now)}
    returning key, count, window_start`);
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return hits.map(({ key, rule }) => rateHitOf(rule, byKey.get(key) ?? { count: 1, window_start: now }));
}

/**
 * Counts one hit on each limit in turn, in one statement: a key is counted (and its row written)
 * only while every key before it is within its limit, so a client already over its own limit
 * cannot add a row per new name it types (issue 14, item 8). A key left uncounted answers null.
 * Rows are taken in the order given.
 */
export async function hitRateLimitsInTurn(db: Executor, hits: { key: string; rule: RateRule }[], now: Date): Promise<(RateHit | null)[]> {
  if (new Set(hits.map((hit) => hit.key)).size !== hits.length) throw new Error("a rate-limit key is counted twice in one statement");
  const parts = hits.map(({ key, rule }, i) => {
    const previous = hits[i - 1];
    const source = previous ? sql`select ${key}, ${now}::timestamptz, 1 from ${sql.raw(`h${i - 1}`)} where count <= ${previous.rule.limit}` : sql`values (${key}, ${now}::timestamptz, 1)`;
    return sql`${sql.raw(`h${i}`)} as (
      insert into rate_limits as r (key, window_start, count) ${source}
      ${countOrRestart(sql`${floorOf(rule, now)}::timestamptz`, now)}
      returning count, window_start
    )`;
  });
  const rows = await queryRows<Record<string, number | Date | string | null>>(db, sql`
    with ${sql.join(parts, sql`, `)}
    select ${sql.join(
      hits.map((_, i) => sql.raw(`(select count from h${i}) as c${i}, (select window_start from h${i}) as w${i}`)),
      sql`, `,
    )}`);
  const row = rows[0];
  if (!row) throw new Error("the rate-limit statement returned no row");
  return hits.map(({ rule }, i) => {
    const count = row[`c${i}`];
    const windowStart = row[`w${i}`];
    return count === null || count === undefined || windowStart === null || windowStart === undefined ? null : rateHitOf(rule, { count: Number(count), window_start: windowStart as Date | string });
  });
}

/**
 * The hit that crossed the limit: the first refusal of its window. Only it is audited; the
 * refusals after it are told by the count the rate_limits row keeps (decision 0026).
 */
export function crossedLimit(hit: RateHit | null | undefined, rule: RateRule): boolean {
  return hit?.count === rule.limit + 1;
}

/** Whole seconds until every refused window has ended (at least one). */
function secondsUntil(resetAts: Date[], now: Date): number {
  const latest = Math.max(...resetAts.map((at) => at.getTime()));
  return Math.max(1, Math.ceil((latest - now.getTime()) / 1000));
}

function inWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  return `${Math.ceil(minutes / 60)} hours`;
}

/**
 * 429 RATE_LIMITED saying when to try again: the message in words, details.retryAfterSeconds for
 * programs (the error handler turns it into a Retry-After header).
 */
export function rateLimited(refused: RateHit[], now: Date): AppError {
  return retryAfter(secondsUntil(refused.map((hit) => hit.resetAt), now));
}

/** The same refusal when the wait is known in seconds (the per-instance flood guard's). */
export function retryAfter(seconds: number, what = "attempts"): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(seconds));
  return new AppError("RATE_LIMITED", `Too many ${what}. Try again in ${inWords(retryAfterSeconds)}.`, { retryAfterSeconds });
}

/** One refusal counted on each limit that refused (labels are flow and limit names from the code). */
export function countRateLimitRefusals(limits: string[]): void {
  for (const limit of limits) metrics.rateLimitRefusals.inc({ limit: boundedLabel(limit) });
}

export interface LimitCheck {
  key: string;
  rule: RateRule;
  /** Named in the audit row: which limit was hit. */
  name: string;
}

/**
 * Counts one hit on each limit, in one statement; when any is over, refuses with 429 and the time
 * to retry. The hit that crosses a limit records "rate_limit.hit"; the refusals after it in the same
 * window write nothing more (the rate_limits row keeps their count), so a flood of refused requests
 * cannot grow the audit log (decision 0026). Runs outside the action's transaction, so the hit and
 * its audit row stay even though the action does not happen.
 */
export async function enforceRateLimits(
  db: Executor,
  checks: LimitCheck[],
  audit: Pick<AuditEventInput, "actor" | "actorUserId" | "actorCompanyId" | "targetUserId" | "targetCompanyId" | "clientAddress"> & { flow: string },
  now: Date,
): Promise<void> {
  const hits = await hitRateLimits(db, checks, now);
  await refuseOverLimits(db, checks, hits, audit, now);
}

/**
 * enforceRateLimits' answer to hits already counted (by a statement that counts its limit itself):
 * nothing when all are within their limits, else the refusal, audited when it crosses one.
 */
export async function refuseOverLimits(
  db: Executor,
  checks: LimitCheck[],
  hits: RateHit[],
  audit: Pick<AuditEventInput, "actor" | "actorUserId" | "actorCompanyId" | "targetUserId" | "targetCompanyId" | "clientAddress"> & { flow: string },
  now: Date,
): Promise<void> {
  const refused = checks.flatMap((check, i) => {
    const hit = hits[i];
    return hit && !hit.allowed ? [{ check, hit }] : [];
  });
  if (refused.length === 0) return;
  countRateLimitRefusals(refused.map(({ check }) => `${audit.flow}:${check.name}`));
  if (refused.some(({ check, hit }) => crossedLimit(hit, check.rule))) {
    const { flow, ...who } = audit;
    await recordAuditEvent(db, { action: "rate_limit.hit", outcome: "refused", ...who, details: { flow, limits: refused.map(({ check }) => check.name) }, at: now });
  }
  throw rateLimited(refused.map(({ hit }) => hit), now);
}

/** One limit per client address, for the anonymous flows (registration, link inspection and submission). */
export function enforceClientLimit(db: Executor, limit: { key: string; rule: RateRule; clientAddress: string; flow: string }, now: Date): Promise<void> {
  return enforceRateLimits(db, [{ key: limit.key, rule: limit.rule, name: "client" }], { clientAddress: limit.clientAddress, flow: limit.flow }, now);
}

/**
 * Counts many hits at once, several possibly on one key, in one statement (the forgot-password
 * worker's batches, decision 0034): each key's row gains its number of hits, and each hit is
 * answered with the count it reached, in the order given — as if counted one after another at
 * `now`. Rows are taken in key order, so two batches sharing keys cannot deadlock.
 */
export async function hitRateLimitsTogether(db: Executor, hits: { key: string; rule: RateRule }[], now: Date): Promise<RateHit[]> {
  if (hits.length === 0) return [];
  const byKey = new Map<string, { rule: RateRule; n: number }>();
  for (const { key, rule } of hits) byKey.set(key, { rule, n: (byKey.get(key)?.n ?? 0) + 1 });
  const keys = [...byKey.keys()].sort();
  const floor = sql`(case r.key ${sql.join(
    keys.map((key) => sql`when ${key} then ${floorOf(byKey.get(key)?.rule ?? { limit: 0, windowMs: 0 }, now)}::timestamptz`),
    sql` `,
  )} end)`;
  const rows = await queryRows<{ key: string; count: number; window_start: Date | string }>(db, sql`
    insert into rate_limits as r (key, window_start, count) values ${sql.join(
      keys.map((key) => sql`(${key}, ${now}, ${byKey.get(key)?.n ?? 1}::int)`),
      sql`, `,
    )}
    on conflict (key) do update set
      count = case when r.window_start <= ${floor} then excluded.count else r.count + excluded.count end,
      window_start = case when r.window_start <= ${floor} then ${now} else r.window_start end
    returning key, count, window_start`);
  const reached = new Map(rows.map((row) => [row.key, { count: Number(row.count) - (byKey.get(row.key)?.n ?? 1), windowStart: row.window_start }]));
  return hits.map(({ key, rule }) => {
    const at = reached.get(key);
    if (!at) throw new Error("a rate-limit key was not counted");
    at.count += 1;
    return rateHitOf(rule, { count: at.count, window_start: at.windowStart });
  });
}
