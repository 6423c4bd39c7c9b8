import { assertThat } from "../../errors.ts";
import { webhookEndpoints } from "../../db/schema.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { WebhookEventType } from "../audit/webhook-event-types.ts";
import { auditOf, ownedEndpoint, type EndpointOwner } from "./endpoint-owner.ts";
import { ENDPOINT_COLUMNS, type EndpointView } from "./endpoint-view.ts";
import type { ManageDeps } from "./manage-deps.ts";
import { assertWebhookUrl } from "./webhook-url.ts";

export interface EndpointChanges {
  url?: string | undefined;
  events?: readonly WebhookEventType[] | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}

/**
 * Changes an endpoint. Enabling it again clears its failure streak: the deliveries it missed are
 * still pending and go out, in order, from the next pass.
 */
export async function updateEndpoint(deps: ManageDeps, owner: EndpointOwner, endpointId: string, changes: EndpointChanges): Promise<EndpointView> {
  const url = changes.url === undefined ? undefined : assertWebhookUrl(changes.url, deps.config.webhooks);
  if (changes.events) assertThat(changes.events.length > 0, "WEBHOOK_EVENTS_REQUIRED");
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        ...(url === undefined ? {} : { url }),
        ...(changes.events ? { events: [...new Set(changes.events)] } : {}),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled, disabledReason: changes.enabled ? null : "manual", failingSince: null }),
        updatedAt: now,
      })
      .where(ownedEndpoint(owner, endpointId))
      .returning(ENDPOINT_COLUMNS);
    assertThat(row, "NOT_FOUND");
    const changed = Object.keys(changes).filter((key) => changes[key as keyof EndpointChanges] !== undefined);
    await recordAuditEvent(tx, { action: "webhook.endpoint_updated", ...auditOf(owner, { endpointId, url: row.url, changed, enabled: row.enabled }), at: now });
    return row;
  });
}
