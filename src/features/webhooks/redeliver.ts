import { sql } from "drizzle-orm";
import { queryRows } from "../../db/client.ts";
import { assertThat } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { auditOf, type EndpointOwner } from "./endpoint-owner.ts";
import type { ManageDeps } from "./manage-deps.ts";

/**
 * Sends a delivery's event to its endpoint once more, as a new delivery in the log (same event id,
 * so a receiver that already has it can tell). It goes out on the next pass, after the subject's
 * earlier pending deliveries.
 */
export async function redeliver(deps: ManageDeps, owner: EndpointOwner, endpointId: string, deliveryId: string): Promise<{ deliveryId: string }> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await queryRows<{ id: string; event_id: string }>(tx, sql`
      insert into webhook_deliveries (event_id, endpoint_id, subject_key, next_attempt_at, created_at)
      select d.event_id, d.endpoint_id, d.subject_key,
        -- Behind a pending delivery of the subject it waits its turn (decision 0032).
        case when exists (select 1 from webhook_deliveries p where p.endpoint_id = d.endpoint_id and p.subject_key = d.subject_key and p.status = 'pending' for share)
          then null else ${now.toISOString()}::timestamptz end,
        ${now.toISOString()}::timestamptz
      from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
      where d.id = ${deliveryId}::uuid and e.id = ${endpointId}::uuid
        and ${owner.companyId ? sql`e.company_id = ${owner.companyId}::uuid` : sql`e.company_id is null`}
      returning id, event_id`);
    assertThat(row, "NOT_FOUND");
    await recordAuditEvent(tx, { action: "webhook.redelivered", ...auditOf(owner, { endpointId, eventId: row.event_id, deliveryId: row.id }), at: now });
    return { deliveryId: row.id };
  });
}
