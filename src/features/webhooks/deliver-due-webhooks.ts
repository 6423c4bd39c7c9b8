import { sql } from "drizzle-orm";
import { queryRows } from "../../db/client.ts";
import { metrics } from "../../metrics/metrics.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";
import { disableFailingEndpoint } from "./disable-failing-endpoint.ts";
import { openSecret, signatureHeader } from "./secrets.ts";
import { sendWebhook, type SendOutcome } from "./send-webhook.ts";

export interface ClaimedDelivery {
  id: string;
  attempts: number;
  event_id: string;
  subject_key: string;
  payload: string;
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | string | null;
}

/** Deliveries one instance attempts at once to a single endpoint: a slow receiver holds no more slots. */
export const PER_ENDPOINT_IN_FLIGHT = 4;

/**
 * Claims one due delivery (decision 0032): SKIP LOCKED, so instances share the work, and a lease
 * (locked_until) instead of a held transaction, so a worker that dies mid-attempt leaves the row to
 * another once the lease ends. Only the oldest pending delivery of a subject to an endpoint is due
 * (a subject's events arrive in order), and an endpoint with PER_ENDPOINT_IN_FLIGHT attempts under
 * way is skipped, so a receiver that hangs cannot take every slot from the others.
 */
export async function claimDueDelivery(deps: DeliveryDeps): Promise<ClaimedDelivery | null> {
  const now = deps.clock.now();
  // Longer than any attempt can take (the total timeout), with room for settling it.
  const lease = new Date(now.getTime() + 2 * deps.config.webhooks.timeoutMs + 5_000);
  // The marker names the worker's polling in statement counts (tests/integration/oidc-round-trips.test.ts).
  const at = now.toISOString();
  const [row] = await queryRows<ClaimedDelivery>(deps.db, sql`
    /* webhook-worker */ with busy as (
      select endpoint_id from webhook_deliveries
      where status = 'pending' and locked_until > ${at}::timestamptz
      group by endpoint_id having count(*) >= ${PER_ENDPOINT_IN_FLIGHT}
    ), due as (
      select d.id from webhook_deliveries d
      join webhook_endpoints e on e.id = d.endpoint_id
      where d.status = 'pending' and e.enabled and d.next_attempt_at <= ${at}::timestamptz
        and (d.locked_until is null or d.locked_until <= ${at}::timestamptz)
        and d.endpoint_id not in (select endpoint_id from busy)
        -- Rows written at once for one subject may both have a due time: the older goes first.
        and not exists (
          select 1 from webhook_deliveries p
          where p.endpoint_id = d.endpoint_id and p.subject_key = d.subject_key and p.status = 'pending' and p.seq < d.seq)
      order by d.next_attempt_at, d.seq
      limit 1
      for update of d skip locked
    )
    update webhook_deliveries d
    set locked_until = ${lease.toISOString()}::timestamptz, attempts = d.attempts + 1, last_attempt_at = ${at}::timestamptz
    from due, webhook_events ev, webhook_endpoints e
    where d.id = due.id and ev.id = d.event_id and e.id = d.endpoint_id
    returning d.id, d.attempts, d.event_id, d.subject_key, ev.payload, e.id as endpoint_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at`);
  return row ?? null;
}

function liveSecrets(row: ClaimedDelivery, key: Buffer | undefined, now: Date): string[] {
  const secrets = [openSecret(row.secret, key)];
  const previousUntil = row.previous_secret_expires_at ? new Date(row.previous_secret_expires_at) : null;
  if (row.previous_secret && previousUntil && previousUntil > now) secrets.push(openSecret(row.previous_secret, key));
  return secrets;
}

async function attempt(deps: DeliveryDeps, row: ClaimedDelivery): Promise<SendOutcome> {
  try {
    const secrets = liveSecrets(row, deps.config.webhooks.secretKey, deps.clock.now());
    // The receiver compares the signed timestamp with its own clock (replay window): the real time.
    const sentAt = new Date();
    const headers = {
      "webhook-id": row.event_id,
      "webhook-timestamp": Math.floor(sentAt.getTime() / 1000).toString(),
      "webhook-signature": signatureHeader(secrets, row.event_id, sentAt, row.payload),
    };
    return await sendWebhook({ config: deps.config.webhooks, resolve: deps.webhookResolver }, row.url, headers, row.payload);
  } catch (error) {
    return { ok: false, statusCode: null, error: (error as Error).message, durationMs: 0 };
  }
}

/**
 * The subject's next waiting delivery to this endpoint becomes due once the one before it has
 * settled. A statement of its own, after the settlement's: a delivery written while the settlement
 * waited for its lock (FOR SHARE at insert) is visible only to a statement started after that.
 */
async function releaseNextOfSubject(deps: DeliveryDeps, row: ClaimedDelivery, now: string): Promise<void> {
  await queryRows(deps.db, sql`
    update webhook_deliveries set next_attempt_at = ${now}::timestamptz
    where id = (select id from webhook_deliveries
                where endpoint_id = ${row.endpoint_id}::uuid and subject_key = ${row.subject_key} and status = 'pending'
                order by seq limit 1)
      and next_attempt_at is null`);
}

/**
 * The safety net for the above: a waiting delivery with nothing pending before it (its predecessor
 * settled by an instance that died between the two statements) gets a due time. Run now and then.
 */
export async function releaseOrphanedDeliveries(deps: Pick<DeliveryDeps, "db" | "clock">): Promise<void> {
  const now = deps.clock.now();
  await queryRows(deps.db, sql`
    /* webhook-worker */ update webhook_deliveries d set next_attempt_at = ${now.toISOString()}::timestamptz
    where d.status = 'pending' and d.next_attempt_at is null
      and not exists (
        select 1 from webhook_deliveries p
        where p.endpoint_id = d.endpoint_id and p.subject_key = d.subject_key and p.status = 'pending' and p.seq < d.seq)`);
}

/** Records an attempt: delivered, retried after the schedule's next delay, or failed for good. */
async function settle(deps: DeliveryDeps, row: ClaimedDelivery, outcome: SendOutcome): Promise<void> {
  const now = deps.clock.now();
  const delays = deps.config.webhooks.retryDelaysMs;
  const common = { code: outcome.statusCode, duration: outcome.durationMs, now: now.toISOString() };
  if (outcome.ok) {
    await queryRows(deps.db, sql`
      with delivered as (
        update webhook_deliveries set status = 'succeeded', delivered_at = ${common.now}::timestamptz, locked_until = null, next_attempt_at = null,
          last_status_code = ${common.code}, last_duration_ms = ${common.duration}, last_error = null
        where id = ${row.id}::uuid
      )
      update webhook_endpoints set failing_since = null where id = ${row.endpoint_id}::uuid and failing_since is not null`);
    await releaseNextOfSubject(deps, row, common.now);
    return;
  }
  metrics.jobFailures.inc({ queue: "webhook.deliver" });
  const delay = delays[row.attempts - 1];
  const next = delay === undefined ? null : new Date(now.getTime() + delay).toISOString();
  await queryRows(deps.db, sql`
    with failed as (
      update webhook_deliveries set status = ${next ? "pending" : "failed"}::webhook_delivery_status, locked_until = null,
        next_attempt_at = ${next}::timestamptz, last_status_code = ${common.code}, last_duration_ms = ${common.duration}, last_error = ${outcome.error.slice(0, 500)}
      where id = ${row.id}::uuid
    )
    update webhook_endpoints set failing_since = coalesce(failing_since, ${common.now}::timestamptz) where id = ${row.endpoint_id}::uuid`);
  if (!next) await releaseNextOfSubject(deps, row, common.now);
  await disableFailingEndpoint(deps, row.endpoint_id, now);
}

/** Attempts a claimed delivery and records the outcome. */
export async function deliverClaimed(deps: DeliveryDeps, row: ClaimedDelivery): Promise<void> {
  await settle(deps, row, await attempt(deps, row));
}
