import type { WebhookDelivery, WebhookEndpoint } from "../../../api/types.ts";

export function EndpointStateBadge({ endpoint }: { endpoint: Pick<WebhookEndpoint, "enabled" | "disabledReason" | "failingSince"> }) {
  if (!endpoint.enabled) {
    return <span className={`badge badge-${endpoint.disabledReason === "failing" ? "danger" : "neutral"}`}>{endpoint.disabledReason === "failing" ? "Disabled after failures" : "Disabled"}</span>;
  }
  if (endpoint.failingSince) return <span className="badge badge-warning">Failing</span>;
  return <span className="badge badge-success">Enabled</span>;
}

const DELIVERY_TONE: Record<WebhookDelivery["status"], string> = { pending: "info", succeeded: "success", failed: "danger" };
const DELIVERY_LABEL: Record<WebhookDelivery["status"], string> = { pending: "Pending", succeeded: "Delivered", failed: "Failed" };

export function DeliveryStatusBadge({ delivery }: { delivery: WebhookDelivery }) {
  const retrying = delivery.status === "pending" && delivery.attempts > 0;
  return <span className={`badge badge-${retrying ? "warning" : DELIVERY_TONE[delivery.status]}`}>{retrying ? "Retrying" : DELIVERY_LABEL[delivery.status]}</span>;
}
