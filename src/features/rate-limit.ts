import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../db/client.ts";

export interface RateRule {
  limit: number;
  windowMs: number;
}

/**
 * Counts one hit on a fixed window stored in PostgreSQL, so every instance shares the count.
 * One upsert: concurrent hits on one key serialise on its row.
 */
export async function hitRateLimit(db: Executor, key: string, rule: RateRule, now: Date): Promise<{ allowed: boolean; count: number }> {
  const windowFloor = new Date(now.getTime() - rule.windowMs);
  const [row] = await queryRows<{ count: number }>(db, sql`
    insert into rate_limits (key, window_start, count) values (${key}, ${now}, 1)
    on conflict (key) do update set
      count = case when rate_limits.window_start <= ${windowFloor} then 1 else rate_limits.count + 1 end,
      window_start = case when rate_limits.window_start <= ${windowFloor} then ${now} else rate_limits.window_start end
    returning count`);
  const count = Number(row?.count ?? 1);
  return { allowed: count <= rule.limit, count };
}
