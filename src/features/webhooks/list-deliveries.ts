import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../../db/client.ts";
import type { EndpointOwner } from "./endpoint-owner.ts";
import { getEndpoint } from "./list-endpoints.ts";

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  responseCode: number | null;
  durationMs: number | null;
  error: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

interface Row {
  id: string;
  seq: string | number;
  event_id: string;
  type: string;
  status: DeliveryView["status"];
  attempts: number;
  last_status_code: number | null;
  last_duration_ms: number | null;
  last_error: string | null;
  created_at: Date | string;
  last_attempt_at: Date | string | null;
  next_attempt_at: Date | string | null;
  delivered_at: Date | string | null;
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** An endpoint's delivery log, newest first, keyset-paged on the insertion order. */
export async function listDeliveries(db: Db, owner: EndpointOwner, endpointId: string, page: { before?: number | undefined; limit: number }) {
  await getEndpoint(db, owner, endpointId);
  const rows = await queryRows<Row>(db, sql`
    select d.id, d.seq, d.event_id, ev.type, d.status, d.attempts, d.last_status_code, d.last_duration_ms, d.last_error,
           d.created_at, d.last_attempt_at, d.next_attempt_at, d.delivered_at
    from webhook_deliveries d join webhook_events ev on ev.id = d.event_id
    where d.endpoint_id = ${endpointId}::uuid ${page.before ? sql`and d.seq < ${page.before}` : sql``}
    order by d.seq desc limit ${page.limit + 1}`);
  const shown = rows.slice(0, page.limit);
  const deliveries: DeliveryView[] = shown.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    eventType: row.type,
    status: row.status,
    attempts: row.attempts,
    responseCode: row.last_status_code,
    durationMs: row.last_duration_ms,
    error: row.last_error,
    createdAt: iso(row.created_at) ?? "",
    lastAttemptAt: iso(row.last_attempt_at),
    nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
    deliveredAt: iso(row.delivered_at),
  }));
  const last = shown.at(-1);
  return { deliveries, nextBefore: rows.length > page.limit && last ? Number(last.seq) : null };
}
