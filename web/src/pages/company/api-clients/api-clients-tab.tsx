import { useRef, useState } from "react";
import { api } from "../../../api/endpoints.ts";
import type { ApiClient, ApiClientCredentials } from "../../../api/types.ts";
import { ConfirmDialog } from "../../../components/confirm-dialog.tsx";
import { DataTable } from "../../../components/data-table.tsx";
import { DateTimeCell } from "../../../components/date-time-cell.tsx";
import { FormResult, Notice, type FormMessage } from "../../../components/notice.tsx";
import { ListStates } from "../../../components/states.tsx";
import { plural } from "../../../lib/format.ts";
import { useResource } from "../../../lib/use-resource.ts";
import { useMe } from "../../../session/session.tsx";
import { useCompanyOutlet } from "../company-page.tsx";
import { CreateApiClientForm } from "./create-api-client-form.tsx";
import { SecretPanel } from "./secret-panel.tsx";

function CreatedBy({ client }: { client: ApiClient }) {
  if (client.createdBy.kind === "user") return <span>{client.createdBy.name}</span>;
  if (client.createdBy.kind === "operator") return <span>Operator</span>;
  return <span className="muted">A deleted user</span>;
}

type Shown = { client: ApiClient; credentials: ApiClientCredentials; event: "created" | "rotated" };

/** The company's machine clients (administrators only): who may call the API for it, with which scopes, and when they last did. */
export function ApiClientsTab() {
  const me = useMe();
  const { company } = useCompanyOutlet();
  const [version, setVersion] = useState(0);
  const list = useResource(() => api.apiClients(), `${company.id}|${version}`);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Shown | null>(null);
  const [rotating, setRotating] = useState<ApiClient | null>(null);
  const [deleting, setDeleting] = useState<ApiClient | null>(null);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const createButton = useRef<HTMLButtonElement>(null);
  // After a rotation the dialog hands focus back to its opener; the new secret's panel takes it from there.
  const secretHeading = useRef<HTMLHeadingElement>(null);
  const focusSecretOnClose = useRef(false);

  if (!me.capabilities.manageApiClients) {
    return <Notice tone="info">Only administrators of {company.name} manage its API clients.</Notice>;
  }
  const data = list.data;
  const focusCreate = () => window.setTimeout(() => createButton.current?.focus(), 0);

  return (
    <div>
      <h3 className="visually-hidden">API clients</h3>
      <div className="toolbar">
        <p className="card-note toolbar-filters">
          Back ends that call the Latchkey API for {company.name} with the client-credentials grant. Each acts with an administrator’s reach, limited to its scopes; nothing it does can manage API clients.
        </p>
        <div className="toolbar-actions">
          {!creating && !shown ? (
            <button ref={createButton} type="button" className="button button-primary" onClick={() => { setMessage(null); setCreating(true); }}>
              <span aria-hidden="true">+ </span>Create API client
            </button>
          ) : null}
        </div>
      </div>
      {creating && data ? (
        <CreateApiClientForm
          companyName={company.name}
          scopes={data.scopes}
          onCancel={() => {
            setCreating(false);
            focusCreate();
          }}
          onCreated={(client, credentials) => {
            setCreating(false);
            setShown({ client, credentials, event: "created" });
            setVersion((n) => n + 1);
          }}
        />
      ) : null}
      {shown ? (
        <SecretPanel
          clientName={shown.client.name}
          clientId={shown.client.id}
          credentials={shown.credentials}
          event={shown.event}
          headingRef={secretHeading}
          onDone={() => {
            setShown(null);
            focusCreate();
          }}
        />
      ) : null}
      <FormResult message={message} />
      <p className="result-count" aria-live="polite">
        {data ? plural(data.clients.length, "API client") : ""}
      </p>
      <ListStates
        list={list}
        count={({ clients }) => clients.length}
        loadingLabel="Loading API clients…"
        errorTitle="The API clients could not be loaded"
        emptyTitle="No API clients yet"
        emptyText={`Create one to let a back end of yours create users, send resets or read the audit log of ${company.name}.`}
      >
        {({ clients }) => (
          <DataTable caption={`API clients of ${company.name}`} busy={list.loading} tableClassName="api-clients-table" regionLabel={`API clients of ${company.name}`} columns={["Name", "Scopes", "Last used", "Created by", "Created", { label: "Actions", visuallyHidden: true }]}>
            {clients.map((client) => (
              <tr key={client.id}>
                <th scope="row" className="cell-strong">
                  {client.name}
                  <span className="cell-note input-mono client-id">{client.id}</span>
                </th>
                <td>
                  <ul className="scope-chips" aria-label={`Scopes of ${client.name}`}>
                    {client.scopes.map((scope) => (
                      <li key={scope}>
                        <code>{scope}</code>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{client.lastUsedAt ? <DateTimeCell value={client.lastUsedAt} /> : <span className="muted">Never</span>}</td>
                <td>
                  <CreatedBy client={client} />
                </td>
                <td>
                  <DateTimeCell value={client.createdAt} />
                </td>
                <td className="cell-actions">
                  {/* Named with aria-label, not a hidden span: an absolutely placed span escapes the table's scroll box and widens the page. */}
                  <button type="button" className="button button-small" aria-label={`Rotate secret of ${client.name}`} onClick={() => setRotating(client)}>
                    Rotate secret
                  </button>
                  <button type="button" className="button button-small button-danger-outline" aria-label={`Delete ${client.name}`} onClick={() => setDeleting(client)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
      <ConfirmDialog
        open={rotating !== null}
        title={`Rotate the secret of “${rotating?.name ?? ""}”?`}
        confirmLabel="Rotate secret"
        busyLabel="Rotating…"
        danger
        onClose={() => {
          setRotating(null);
          if (focusSecretOnClose.current) secretHeading.current?.focus();
          focusSecretOnClose.current = false;
        }}
        onConfirm={async () => {
          if (!rotating) return;
          const credentials = await api.rotateApiClientSecret(rotating.id);
          setShown({ client: rotating, credentials, event: "rotated" });
          focusSecretOnClose.current = true;
          setMessage(null);
        }}
      >
        <p>A new secret is made and shown once. The current secret stops working at once, and so do the tokens it got: the back end using it fails until it has the new one.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete API client"
        busyLabel="Deleting…"
        danger
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await api.deleteApiClient(deleting.id);
          if (shown?.client.id === deleting.id) setShown(null);
          setMessage({ tone: "success", text: `API client “${deleting.name}” deleted. Its tokens no longer work.` });
          setVersion((n) => n + 1);
        }}
      >
        <p>The client and every token it holds stop working at once. This cannot be undone.</p>
      </ConfirmDialog>
    </div>
  );
}
