import { useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { messageOf } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { WebhookEndpoint } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { ErrorState, LoadingState } from "../../components/states.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { DeliveryLog } from "./integrations/delivery-log.tsx";
import { EndpointStateBadge } from "./integrations/endpoint-state.tsx";
import { SecretReveal } from "./integrations/secret-reveal.tsx";

/** One endpoint: its state and events, enable/disable, rotate the secret, delete, and its delivery log. */
export function EndpointDetail() {
  const { endpointId = "" } = useParams();
  const navigate = useNavigate();
  const resource = useResource(() => api.webhookEndpoint(endpointId), endpointId);
  const [dialog, setDialog] = useState<"rotate" | "delete" | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [toggling, setToggling] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  if (resource.loading && !resource.data) return <LoadingState label="Loading the endpoint…" />;
  if (!resource.data) return <ErrorState title="This endpoint could not be loaded" error={resource.error} onRetry={resource.reload} />;
  const endpoint: WebhookEndpoint = resource.data;

  async function toggle() {
    if (toggling) return;
    setToggling(true);
    setMessage(null);
    try {
      const updated = await api.updateWebhookEndpoint(endpoint.id, { enabled: !endpoint.enabled });
      resource.setData(updated);
      setMessage({
        tone: "success",
        text: updated.enabled ? "Endpoint enabled. Deliveries that waited are sent now, in order." : "Endpoint disabled. It gets no new events; deliveries already queued wait until you enable it again.",
      });
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setToggling(false);
    }
  }

  return (
    <div className="endpoint-detail">
      <p>
        <Link to="/company/integrations">
          <span aria-hidden="true">← </span>All endpoints
        </Link>
      </p>
      <div className="card">
        <div className="card-header">
          <h3 ref={heading} tabIndex={-1} className="section-title endpoint-url">
            {endpoint.url}
          </h3>
          <EndpointStateBadge endpoint={endpoint} />
        </div>
        {endpoint.description ? <p>{endpoint.description}</p> : null}
        {!endpoint.enabled && endpoint.disabledReason === "failing" ? (
          <Notice tone="error" title="Disabled after a day of failed deliveries">
            Fix the receiver, then enable the endpoint: the events it missed are sent in order.
          </Notice>
        ) : endpoint.failingSince ? (
          <Notice tone="warning" title="Deliveries are failing">
            Every attempt since {formatDateTime(endpoint.failingSince)} failed. After a day of failures the endpoint is disabled.
          </Notice>
        ) : null}
        <dl className="endpoint-facts">
          <dt>Events</dt>
          <dd>
            <ul className="event-list">
              {endpoint.events.map((type) => (
                <li key={type}>
                  <code>{type}</code>
                </li>
              ))}
            </ul>
          </dd>
          <dt>Added</dt>
          <dd>{formatDateTime(endpoint.createdAt)}</dd>
          {endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > Date.now() ? (
            <>
              <dt>Previous secret</dt>
              <dd>Still signs next to the new one until {formatDateTime(endpoint.previousSecretExpiresAt)}</dd>
            </>
          ) : null}
        </dl>
        <div className="button-row">
          <button type="button" className="button" aria-disabled={toggling || undefined} onClick={() => void toggle()}>
            {toggling ? "Saving…" : endpoint.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" className="button" onClick={() => setDialog("rotate")}>
            Rotate secret
          </button>
          <button type="button" className="button button-danger-outline" onClick={() => setDialog("delete")}>
            Delete endpoint
          </button>
        </div>
        <FormResult message={message} />
      </div>
      {secret ? (
        <SecretReveal
          intro="The new secret signs every delivery from now on. The previous one signs too, for 24 hours, so you can switch without losing an event."
          secret={secret}
          onDone={() => {
            setSecret(null);
            heading.current?.focus();
          }}
        />
      ) : null}

      <DeliveryLog endpointId={endpoint.id} />

      <ConfirmDialog
        open={dialog === "rotate"}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        busyLabel="Rotating…"
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          const rotated = await api.rotateWebhookSecret(endpoint.id);
          setSecret(rotated.secret);
          resource.reload();
        }}
      >
        <p>A new secret is made and shown once. For 24 hours every delivery carries signatures with both secrets; then only the new one.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === "delete"}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        busyLabel="Deleting…"
        danger
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          await api.deleteWebhookEndpoint(endpoint.id);
          navigate("/company/integrations", { replace: true });
        }}
      >
        <p>
          <strong>{endpoint.url}</strong> stops receiving events at once. Its delivery log and any events not yet delivered are deleted.
        </p>
      </ConfirmDialog>
    </div>
  );
}
