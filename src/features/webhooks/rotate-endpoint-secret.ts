import { assertThat } from "../../errors.ts";
import { webhookEndpoints } from "../../db/schema.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { auditOf, ownedEndpoint, type EndpointOwner } from "./endpoint-owner.ts";
import type { ManageDeps } from "./manage-deps.ts";
import { generateSigningSecret, sealSecret } from "./secrets.ts";
import { sql } from "drizzle-orm";

/**
 * A new signing secret, returned once. The old one keeps signing next to it for
 * WEBHOOK_SECRET_OVERLAP (24 h by default): every delivery in that time, queued before or after,
 * carries both signatures, so receivers switch secrets without losing an event (decision 0031).
 */
export async function rotateEndpointSecret(deps: ManageDeps, owner: EndpointOwner, endpointId: string): Promise<{ secret: string; previousSecretExpiresAt: Date }> {
  const secret = generateSigningSecret();
  const now = deps.clock.now();
  const previousSecretExpiresAt = new Date(now.getTime() + deps.config.webhooks.secretOverlapMs);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        previousSecret: sql`${webhookEndpoints.secret}`,
        previousSecretExpiresAt,
        secret: sealSecret(secret, deps.config.webhooks.secretKey),
        updatedAt: now,
      })
      .where(ownedEndpoint(owner, endpointId))
      .returning({ url: webhookEndpoints.url });
    assertThat(row, "NOT_FOUND");
    await recordAuditEvent(tx, { action: "webhook.secret_rotated", ...auditOf(owner, { endpointId, url: row.url, previousSecretExpiresAt: previousSecretExpiresAt.toISOString() }), at: now });
    return { secret, previousSecretExpiresAt };
  });
}
