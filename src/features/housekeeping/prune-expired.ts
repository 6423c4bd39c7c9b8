import { sql, type SQL } from "drizzle-orm";
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
  /** The provider checks expiry itself; its rows (codes, tokens, sessions, interactions) go an hour after. */
  expiredProviderRowMs: HOUR,
  /** Latchkey's row of an application grant, like a session: a week after it ended. */
  deadApplicationGrantMs: 7 * DAY,
  /** A retired signing key, a day after it left the JWKS: nothing it signed still verifies. */
  withdrawnSigningKeyMs: DAY,
  /**
   * A webhook event and its delivery log, 30 days after it happened — unless a delivery of it is
   * still pending (a disabled endpoint keeps its queue until it is enabled again or deleted).
   */
  webhookEventMs: 30 * DAY,
  /** A half-finished sign-in (issue 18), an hour after it expired: it lives five minutes. */
  expiredSignInChallengeMs: HOUR,
};

const BATCH = 5_000;

export interface PruneResult {
  rateLimits: number;
  sessions: number;
  emailChanges: number;
  providerRows: number;
  applicationGrants: number;
  signingKeys: number;
  webhookEvents: number;
  signInChallenges: number;
}

/**
 * Deletes the rows of `table` matching `dead`, in batches so one pass never holds many row locks
 * or one long transaction. `skip locked`: a row another instance is deleting, or a login is
 * counting, is left for the next pass.
 */
async function deleteInBatches(db: Executor, table: string, key: string | string[], dead: SQL): Promise<number> {
  const t = sql.identifier(table);
  // A composite key (oidc_payloads' model and id) compares as a row.
  const k = Array.isArray(key) ? sql`(${sql.join(key.map((column) => sql.identifier(column)), sql`, `)})` : sql.identifier(key);
  const selected = Array.isArray(key) ? sql.join(key.map((column) => sql.identifier(column)), sql`, `) : k;
  let total = 0;
  for (;;) {
    const rows = await queryRows<{ n: number }>(db, sql`
      with gone as (
        delete from ${t} where ${k} in (select ${selected} from ${t} where ${dead} limit ${BATCH} for update skip locked)
        returning 1
      )
      select count(*)::int as n from gone`);
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < BATCH) return total;
  }
}

/** Removes expired rate-limit windows, long-dead sessions, old address changes, the OpenID provider's expired rows and withdrawn keys, old webhook events with their delivery logs, and expired half-finished sign-ins. Safe to run on several instances at once. */
export async function pruneExpired(deps: Pick<Deps, "db" | "clock">): Promise<PruneResult> {
  const now = deps.clock.now().getTime();
  const windowsBefore = new Date(now - RETENTION.rateLimitWindowMs);
  const sessionsBefore = new Date(now - RETENTION.deadSessionMs);
  const emailChangesBefore = new Date(now - RETENTION.emailChangeMs);
  const rateLimits = await deleteInBatches(deps.db, "rate_limits", "key", sql`window_start < ${windowsBefore}`);
  const sessions = await deleteInBatches(deps.db, "sessions", "id", sql`expires_at < ${sessionsBefore} or revoked_at < ${sessionsBefore}`);
  const emailChanges = await deleteInBatches(deps.db, "email_changes", "id", sql`changed_at < ${emailChangesBefore}`);
  const providerRows = await deleteInBatches(deps.db, "oidc_payloads", ["model", "id"], sql`expires_at < ${new Date(now - RETENTION.expiredProviderRowMs)}`);
  const grantsBefore = new Date(now - RETENTION.deadApplicationGrantMs);
  const applicationGrants = await deleteInBatches(deps.db, "oidc_grants", "grant_id", sql`expires_at < ${grantsBefore} or revoked_at < ${grantsBefore}`);
  const signingKeys = await deleteInBatches(deps.db, "oidc_keys", "id", sql`purpose = 'signing' and publish_until < ${new Date(now - RETENTION.withdrawnSigningKeyMs)}`);
  // Deleting the event deletes its deliveries (on delete cascade).
  const webhookEvents = await deleteInBatches(
    deps.db,
    "webhook_events",
    "id",
    sql`occurred_at < ${new Date(now - RETENTION.webhookEventMs)} and not exists (select 1 from webhook_deliveries d where d.event_id = webhook_events.id and d.status = 'pending')`,
  );
  const signInChallenges = await deleteInBatches(deps.db, "sign_in_challenges", "id", sql`expires_at < ${new Date(now - RETENTION.expiredSignInChallengeMs)}`);
  return { rateLimits, sessions, emailChanges, providerRows, applicationGrants, signingKeys, webhookEvents, signInChallenges };
}
