import { useState } from "react";
import { messageOf } from "../../../api/client.ts";
import { api } from "../../../api/endpoints.ts";
import { DataTable } from "../../../components/data-table.tsx";
import { DateTimeCell } from "../../../components/date-time-cell.tsx";
import { FormResult, type FormMessage } from "../../../components/notice.tsx";
import { ListStates } from "../../../components/states.tsx";
import { useResource } from "../../../lib/use-resource.ts";
import { DeliveryStatusBadge } from "./endpoint-state.tsx";

/** An endpoint's deliveries, newest first: status, response, duration, attempts, next attempt, and Redeliver. */
export function DeliveryLog({ endpointId }: { endpointId: string }) {
  const [version, setVersion] = useState(0);
  const log = useResource(() => api.webhookDeliveries(endpointId, { limit: 25 }), `${endpointId}:${version}`);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [sending, setSending] = useState<string | null>(null);

  async function redeliver(deliveryId: string, eventType: string) {
    if (sending) return;
    setSending(deliveryId);
    try {
      await api.redeliverWebhook(endpointId, deliveryId);
      setMessage({ tone: "success", text: `The ${eventType} event is queued again.` });
      setVersion((n) => n + 1);
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setSending(null);
    }
  }

  return (
    <section className="delivery-log" aria-labelledby="delivery-log-heading">
      <div className="toolbar">
        <h3 id="delivery-log-heading" className="section-title">
          Delivery log
        </h3>
        <div className="toolbar-actions">
          <button type="button" className="button" onClick={() => setVersion((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </div>
      <FormResult message={message} />
      <ListStates
        list={log}
        keepOnError
        count={({ deliveries }) => deliveries.length}
        loadingLabel="Loading deliveries…"
        errorTitle="The delivery log could not be loaded"
        emptyTitle="No deliveries yet"
        emptyText="Deliveries appear here as soon as an event this endpoint wants happens."
      >
        {({ deliveries }) => (
          <DataTable
            caption="Deliveries to this endpoint, newest first"
            columns={["Event", "Status", "Response", "Attempts", "Last attempt", "Next attempt", { label: "Actions", visuallyHidden: true }]}
            busy={log.loading}
            regionLabel="Deliveries (scrolls sideways)"
          >
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>
                  <code>{delivery.eventType}</code>
                  <span className="cell-note cell-id" title={delivery.eventId}>
                    <span className="visually-hidden">Event id </span>
                    {delivery.eventId.slice(0, 8)}…
                  </span>
                </td>
                <td>
                  <DeliveryStatusBadge delivery={delivery} />
                  {delivery.error ? <span className="cell-note">{delivery.error}</span> : null}
                </td>
                <td className="cell-nowrap">
                  {delivery.responseCode ?? <span className="muted">—</span>}
                  {delivery.durationMs === null ? null : <span className="cell-note">{delivery.durationMs} ms</span>}
                </td>
                <td>{delivery.attempts}</td>
                <td>
                  <DateTimeCell value={delivery.lastAttemptAt} />
                </td>
                <td>
                  <DateTimeCell value={delivery.nextAttemptAt} />
                </td>
                <td className="cell-actions">
                  <button type="button" className="button button-small" aria-disabled={sending === delivery.id || undefined} onClick={() => void redeliver(delivery.id, delivery.eventType)}>
                    {sending === delivery.id ? "Queueing…" : "Redeliver"}
                    <span className="visually-hidden"> {delivery.eventType} event</span>
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
    </section>
  );
}
