import { assertThat } from "../../errors.ts";
import { webhookEndpoints } from "../../db/schema.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { auditOf, ownedEndpoint, type EndpointOwner } from "./endpoint-owner.ts";
import type { ManageDeps } from "./manage-deps.ts";

/** Deletes an endpoint and, with it, its delivery log and whatever it had still to deliver. */
export async function deleteEndpoint(deps: ManageDeps, owner: EndpointOwner, endpointId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.delete(webhookEndpoints).where(ownedEndpoint(owner, endpointId)).returning({ url: webhookEndpoints.url });
    assertThat(row, "NOT_FOUND");
    await recordAuditEvent(tx, { action: "webhook.endpoint_deleted", ...auditOf(owner, { endpointId, url: row.url }), at: now });
  });
}
