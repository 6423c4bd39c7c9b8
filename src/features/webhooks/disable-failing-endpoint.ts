import { sql } from "drizzle-orm";
import { queryRows } from "../../db/client.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { webhookDisabledEmail } from "../../email/templates/webhook-disabled.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";

/**
 * After a failed attempt: an endpoint that has failed for WEBHOOK_DISABLE_AFTER (a day) is disabled,
 * and its company's active administrators are emailed — all in one transaction, so the email goes
 * exactly when the endpoint is turned off. Its undelivered events stay pending for when it is enabled.
 */
export async function disableFailingEndpoint(deps: DeliveryDeps, endpointId: string, now: Date): Promise<boolean> {
  const threshold = new Date(now.getTime() - deps.config.webhooks.disableAfterMs);
  return deps.db.transaction(async (tx) => {
    const [endpoint] = await queryRows<{ company_id: string | null; company_name: string | null; url: string; failing_since: Date | string; last_error: string | null }>(tx, sql`
      update webhook_endpoints e set enabled = false, disabled_reason = 'failing', updated_at = ${now.toISOString()}::timestamptz
      from (select id from webhook_endpoints where id = ${endpointId}::uuid for update) locked
      where e.id = locked.id and e.enabled and e.failing_since <= ${threshold.toISOString()}::timestamptz
      returning e.company_id, (select name from companies c where c.id = e.company_id) as company_name, e.url, e.failing_since,
        (select last_error from webhook_deliveries d where d.endpoint_id = e.id and d.last_error is not null order by d.last_attempt_at desc nulls last limit 1) as last_error`);
    if (!endpoint) return false;
    const failingSince = new Date(endpoint.failing_since);
    await recordAuditEvent(tx, {
      action: "webhook.endpoint_disabled",
      targetCompanyId: endpoint.company_id,
      details: { endpointId, url: endpoint.url, reason: "failing", failingSince: failingSince.toISOString() },
      at: now,
    });
    if (!endpoint.company_id) return true;
    const admins = await queryRows<{ id: string; name: string; email: string }>(tx, sql`
      select id, name, email from users where company_id = ${endpoint.company_id}::uuid and role = 'administrator' and status = 'active'`);
    for (const admin of admins) {
      const content = webhookDisabledEmail({
        recipientName: admin.name,
        companyName: endpoint.company_name ?? "your company",
        endpointUrl: endpoint.url,
        failingSince,
        lastError: endpoint.last_error,
        integrationsUrl: `${deps.config.publicUrl}/company/integrations`,
      });
      await enqueueEmail(tx, deps.jobs, { kind: "webhook_disabled", to: admin.email, userId: admin.id, ...content }, now);
    }
    return true;
  });
}
