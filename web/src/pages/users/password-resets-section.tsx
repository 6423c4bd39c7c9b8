import { useEffect, useRef, useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { PasswordReset, UserDetail } from "../../api/types.ts";
import { EmailStatusBadge, ResetStateBadge } from "../../components/badges.tsx";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { ActedBy } from "../../components/acted-by.tsx";
import { DataTable } from "../../components/data-table.tsx";
import type { FormMessage } from "../../components/notice.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { ListStates } from "../../components/states.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";

const POLL_INTERVAL_MS = 4_000;
const POLL_LIMIT = 15;

interface Props {
  user: UserDetail;
  /** Bumped by the page after anything that issues or kills a link. */
  version: number;
  canRevoke: boolean;
  onMessage: (message: FormMessage) => void;
}

function RequestedBy({ reset }: { reset: PasswordReset }) {
  const by = reset.requestedBy;
  if (!by) return <span className="muted">{reset.purpose === "invite" ? "Invitation" : "—"}</span>;
  if (by.kind === "self") return <span>Self</span>;
  return <ActedBy by={{ ...by, kind: by.kind }} />;
}

/** Every invitation and reset link of this user: who asked, when, what became of it and of its email. */
export function PasswordResetsSection({ user, version, canRevoke, onMessage }: Props) {
  const history = useResource(() => api.resets(user.id), `${user.id}|${version}`);
  const [revoking, setRevoking] = useState<PasswordReset | null>(null);
  const resets = history.data?.resets;
  const polls = useRef(0);

  // An email leaves a moment after the click: follow its delivery for a minute, then leave it to Refresh.
  const inFlight = resets?.some((reset) => reset.emailStatus === "queued" || reset.emailStatus === "retrying") ?? false;
  useEffect(() => {
    if (!inFlight || history.loading || polls.current >= POLL_LIMIT) return;
    const timer = window.setTimeout(() => {
      polls.current += 1;
      history.reload();
    }, POLL_INTERVAL_MS);
    return () => window.clearTimeout(timer);
  }, [inFlight, history.loading, history.reload, history.data]);
  useEffect(() => {
    polls.current = 0;
  }, [version]);

  return (
    <section className="card" aria-labelledby="resets-heading">
      <div className="card-header">
        <h2 id="resets-heading">Password resets</h2>
        <button type="button" className="button button-quiet button-small" onClick={history.reload}>
          Refresh
        </button>
      </div>
      <ListStates
        list={history}
        count={(data) => data.resets.length}
        loadingLabel="Loading password resets…"
        errorTitle="The password resets could not be loaded"
        emptyTitle="No password resets yet"
        emptyText={<>Links sent to {user.name} (invitations and password resets) will be listed here.</>}
        keepOnError
      >
        {({ resets }) => (
          <DataTable
            caption={<>Password resets and invitations of {user.name}, newest first</>}
            regionLabel={`Links sent to ${user.name}`}
            columns={["Link", "Requested by", "Requested at", "Expires at", "State", "Email delivery", canRevoke && { label: "Actions", visuallyHidden: true }]}
          >
            {resets.map((reset) => (
              <tr key={reset.id}>
                <td>{reset.purpose === "invite" ? "Invitation" : "Password reset"}</td>
                <td>
                  <RequestedBy reset={reset} />
                </td>
                <td>
                  <DateTimeCell value={reset.createdAt} />
                </td>
                <td>
                  <DateTimeCell value={reset.expiresAt} />
                </td>
                <td>
                  <ResetStateBadge state={reset.state} />
                </td>
                <td>
                  <EmailStatusBadge status={reset.emailStatus} />
                </td>
                {canRevoke ? (
                  <td className="cell-actions">
                    {reset.state === "pending" ? (
                      <button type="button" className="button button-small" onClick={() => setRevoking(reset)} aria-label={`Revoke the link requested ${formatDateTime(reset.createdAt)}`}>
                        Revoke
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this link?"
        confirmLabel="Revoke link"
        busyLabel="Revoking…"
        danger
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await api.revokeReset(user.id, revoking.id);
          onMessage({ tone: "success", text: `The link sent to ${user.email} was revoked. It no longer works.` });
          history.reload();
        }}
      >
        <p>The link in the email to {user.email} stops working at once. You can send a new one at any time.</p>
      </ConfirmDialog>
    </section>
  );
}
