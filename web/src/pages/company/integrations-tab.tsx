import { useRef, useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../api/endpoints.ts";
import { DataTable } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { AddEndpointForm } from "./integrations/add-endpoint-form.tsx";
import { EndpointStateBadge } from "./integrations/endpoint-state.tsx";
import { SecretReveal } from "./integrations/secret-reveal.tsx";

/** The company's webhook endpoints: list, add (the secret shown once), and a link to each one's log. */
export function IntegrationsTab() {
  const me = useMe();
  const [version, setVersion] = useState(0);
  const list = useResource(() => api.webhookEndpoints(), `${me.actingCompany.id}:${version}`);
  const [adding, setAdding] = useState(false);
  const [revealed, setRevealed] = useState<{ id: string; url: string; secret: string } | null>(null);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);

  if (!me.capabilities.manageWebhooks) {
    return <Notice tone="info">Only administrators of this company manage its integrations.</Notice>;
  }

  return (
    <div>
      <h3 className="visually-hidden">Integrations</h3>
      <p className="card-note">
        Webhooks tell your own services what happens in Latchkey — users created, roles changed, passwords reset — as signed HTTP requests (Standard Webhooks).
      </p>
      <div className="toolbar">
        <div className="toolbar-actions">
          {!adding && !revealed ? (
            <button ref={addButton} type="button" className="button button-primary" onClick={() => setAdding(true)}>
              <span aria-hidden="true">+ </span>Add endpoint
            </button>
          ) : null}
        </div>
      </div>
      {adding && list.data ? (
        <AddEndpointForm
          groups={list.data.eventGroups}
          onCancel={() => {
            setAdding(false);
            window.setTimeout(() => addButton.current?.focus(), 0);
          }}
          onCreated={(created) => {
            setAdding(false);
            setRevealed(created);
            setVersion((n) => n + 1);
          }}
        />
      ) : null}
      {revealed ? (
        <SecretReveal
          intro={`Your endpoint ${revealed.url} was added. Use this secret to verify the signature of every request it receives.`}
          secret={revealed.secret}
          onDone={() => {
            setRevealed(null);
            setMessage({ tone: "success", text: "Endpoint added. Its first events are on their way." });
            window.setTimeout(() => addButton.current?.focus(), 0);
          }}
        />
      ) : null}
      <FormResult message={message} />
      <ListStates
        list={list}
        count={({ endpoints }) => endpoints.length}
        loadingLabel="Loading endpoints…"
        errorTitle="The endpoints could not be loaded"
        emptyTitle="No endpoints yet"
        emptyText="Add an endpoint to send this company's events to your own service."
      >
        {({ endpoints }) => (
          <DataTable caption="Webhook endpoints" columns={["Endpoint", "Events", "State", "Added"]} busy={list.loading} regionLabel="Webhook endpoints">
            {endpoints.map((endpoint) => (
              <tr key={endpoint.id}>
                <td className="cell-url">
                  <Link to={`/company/integrations/${endpoint.id}`}>{endpoint.url}</Link>
                  {endpoint.description ? <span className="cell-note">{endpoint.description}</span> : null}
                </td>
                <td>{plural(endpoint.events.length, "event")}</td>
                <td>
                  <EndpointStateBadge endpoint={endpoint} />
                </td>
                <td>
                  <DateTimeCell value={endpoint.createdAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
    </div>
  );
}
