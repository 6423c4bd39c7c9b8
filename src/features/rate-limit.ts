import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../db/client.ts";

export interface RateRule {
  limit: number;
  windowMs: number;
}

export interface RateHit {
  allowed: boolean;
  count: number;
}

/** Counts one hit on a fixed window stored in PostgreSQL, so every instance shares the count. */
export async function hitRateLimit(db: Executor, key: string, rule: RateRule, now: Date): Promise<RateHit> {
  const [hit] = await hitRateLimits(db, [{ key, rule }], now);
  if (!hit) throw new Error("the rate-limit statement returned no row");
  return hit;
}

/**
 * Counts one hit on each of several limits in one upsert (one round trip), answering in the order
 * asked. Concurrent hits on one key serialise on its row; rows are taken in the order given, so
 * callers that share keys must name them in the same order.
 */
export async function hitRateLimits(db: Executor, hits: { key: string; rule: RateRule }[], now: Date): Promise<RateHit[]> {
  if (new Set(hits.map((hit) => hit.key)).size !== hits.length) throw new Error("a rate-limit key is counted twice in one statement");
  const floor = sql`(case r.key ${sql.join(
    hits.map(({ key, rule }) => sql`when ${key} then ${new Date(now.getTime() - rule.windowMs)}::timestamptz`),
    sql` `,
  )} end)`;
  const rows = await queryRows<{ key: string; count: number }>(db, sql`
    insert into rate_limits as r (key, window_start, count) values ${sql.join(
      hits.map(({ key }) => sql`(${key}, ${now}, 1)`),
      sql`, `,
    )}
    on conflict (key) do update set
      count = case when r.window_start <= ${floor} then 1 else r.count + 1 end,
      window_start = case when r.window_start <= ${floor} then ${now} else r.window_start end
    returning key, count`);
  const counts = new Map(rows.map((row) => [row.key, Number(row.count)]));
  return hits.map(({ key, rule }) => {
    const count = counts.get(key) ?? 1;
    return { allowed: count <= rule.limit, count };
  });
}
