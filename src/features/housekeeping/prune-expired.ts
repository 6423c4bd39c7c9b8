import { sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { queryRows, type Executor } from "../../db/client.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * How long rows that no longer mean anything are kept. A rate-limit window is dead once its rule's
 * window has passed (the longest is a day), so a row is gone an hour after the longest could end.
 * Sessions that expired or were revoked stay a week: long enough to answer "was I signed in from
 * there?" from the rows, short enough that old cookies' digests do not pile up (decision 0011).
 * An address change counts for 24 hours (former addresses hear of a password change); its row stays
 * 30 days for whoever looks into a takeover, and the audit log keeps both addresses after that (decision 0021).
 */
export const RETENTION = {
  rateLimitWindowMs: 25 * HOUR,
  deadSessionMs: 7 * DAY,
  emailChangeMs: 30 * DAY,
};

/** Deletes in batches so one pass never holds many row locks or one long transaction. */
const BATCH = 5_000;

export interface PruneResult {
  rateLimits: number;
  sessions: number;
  emailChanges: number;
}

async function deleteInBatches(db: Executor, statement: () => ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await queryRows<{ n: number }>(db, statement());
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < BATCH) return total;
  }
}

/** Removes expired rate-limit windows, long-dead sessions and old address changes. Safe to run on several instances at once. */
export async function pruneExpired(deps: Pick<Deps, "db" | "clock">): Promise<PruneResult> {
  const now = deps.clock.now().getTime();
  const windowsBefore = new Date(now - RETENTION.rateLimitWindowMs);
  const sessionsBefore = new Date(now - RETENTION.deadSessionMs);
  const emailChangesBefore = new Date(now - RETENTION.emailChangeMs);
  // `skip locked`: a row another instance is deleting, or a login is counting, is left for later.
  const rateLimits = await deleteInBatches(deps.db, () => sql`
    with gone as (
      delete from rate_limits where key in (
        select key from rate_limits where window_start < ${windowsBefore} limit ${BATCH} for update skip locked
      ) returning 1
    )
    select count(*)::int as n from gone`);
  const sessions = await deleteInBatches(deps.db, () => sql`
    with gone as (
      delete from sessions where id in (
        select id from sessions where expires_at < ${sessionsBefore} or revoked_at < ${sessionsBefore}
        limit ${BATCH} for update skip locked
      ) returning 1
    )
    select count(*)::int as n from gone`);
  const emailChanges = await deleteInBatches(deps.db, () => sql`
    with gone as (
      delete from email_changes where id in (
        select id from email_changes where changed_at < ${emailChangesBefore} limit ${BATCH} for update skip locked
      ) returning 1
    )
    select count(*)::int as n from gone`);
  return { rateLimits, sessions, emailChanges };
}
