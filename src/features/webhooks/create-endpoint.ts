import { eq, isNull, sql } from "drizzle-orm";
import { assertThat } from "../../errors.ts";
import { webhookEndpoints } from "../../db/schema.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { WebhookEventType } from "../audit/webhook-event-types.ts";
import { auditOf, type EndpointOwner } from "./endpoint-owner.ts";
import { ENDPOINT_COLUMNS, type EndpointView } from "./endpoint-view.ts";
import type { ManageDeps } from "./manage-deps.ts";
import { generateSigningSecret, sealSecret } from "./secrets.ts";
import { assertWebhookUrl } from "./webhook-url.ts";

/** Endpoints per company (and for the platform). */
export const MAX_ENDPOINTS = 20;

export interface NewEndpoint {
  url: string;
  events: readonly WebhookEventType[];
  description?: string | undefined;
}

/** Registers an endpoint. Its signing secret is returned this once and never shown again. */
export async function createEndpoint(deps: ManageDeps, owner: EndpointOwner, input: NewEndpoint): Promise<{ endpoint: EndpointView; secret: string }> {
  const url = assertWebhookUrl(input.url, deps.config.webhooks);
  assertThat(input.events.length > 0, "WEBHOOK_EVENTS_REQUIRED");
  const secret = generateSigningSecret();
  const now = deps.clock.now();
  const endpoint = await deps.db.transaction(async (tx) => {
    // Each event fans out to every endpoint that wants it: a bound on endpoints bounds the writes an action makes.
    // The owner's creations take turns (a lock for this transaction), so two at once cannot both pass the count.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`webhook_endpoints:${owner.companyId ?? "platform"}`}, 0))`);
    const [count] = await tx.select({ n: sql<number>`count(*)::int` }).from(webhookEndpoints).where(owner.companyId ? eq(webhookEndpoints.companyId, owner.companyId) : isNull(webhookEndpoints.companyId));
    assertThat((count?.n ?? 0) < MAX_ENDPOINTS, "WEBHOOK_ENDPOINT_LIMIT");
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        companyId: owner.companyId,
        url,
        description: input.description ?? "",
        events: [...new Set(input.events)],
        secret: sealSecret(secret, deps.config.webhooks.secretKey),
        createdByUserId: owner.actor?.userId ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning(ENDPOINT_COLUMNS);
    if (!row) throw new Error("endpoint insert returned nothing");
    await recordAuditEvent(tx, { action: "webhook.endpoint_created", ...auditOf(owner, { endpointId: row.id, url, events: row.events }), at: now });
    return row;
  });
  return { endpoint, secret };
}
