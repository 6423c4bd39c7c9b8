import { useEffect, useState } from "react";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { PasswordReset, UserDetail } from "../../api/types.ts";
import { ResetStateBadge } from "../../components/badges.tsx";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { ActedBy } from "../../components/acted-by.tsx";
import { DataTable } from "../../components/data-table.tsx";
import type { FormMessage } from "../../components/notice.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { ListStates } from "../../components/states.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { usePolling } from "../../lib/use-polling.ts";
import { useResource } from "../../lib/use-resource.ts";
import type { LinkSent } from "./delivery-message.ts";
import { EmailDelivery, inFlight } from "./email-delivery.tsx";
import { sendInvitationAgain, sendResetLink } from "./user-actions.tsx";

interface Props {
  user: UserDetail;
  /** Bumped by the page after anything that issues or kills a link. */
  version: number;
  canRevoke: boolean;
  onMessage: (message: FormMessage) => void;
  /** The link the page's banner follows: told each new answer about it, so the banner says "sent" once it is. */
  watched: string | null;
  onWatchedDelivery: (reset: PasswordReset) => void;
  /** "Send again" on a row whose email failed and whose link no newer one replaced: the same request as the page's own button. */
  onSent: (sent: LinkSent) => void;
}

function RequestedBy({ reset }: { reset: PasswordReset }) {
  const by = reset.requestedBy;
  if (!by) return <span className="muted">{reset.purpose === "invite" ? "Invitation" : "—"}</span>;
  if (by.kind === "self") return <span>Self</span>;
  return <ActedBy by={{ ...by, kind: by.kind }} />;
}

/** Every invitation and reset link of this user: who asked, when, what became of it and of its email. */
export function PasswordResetsSection({ user, version, canRevoke, onMessage, watched, onWatchedDelivery, onSent }: Props) {
  const history = useResource(() => api.resets(user.id), `${user.id}|${version}`);
  const [revoking, setRevoking] = useState<PasswordReset | null>(null);
  const [sending, setSending] = useState<string | null>(null);
  const resets = history.data?.resets;

  // An email leaves a moment after the click, or much later when the mail server is down: follow it until it is settled.
  usePolling({ active: resets?.some((reset) => inFlight(reset.emailStatus)) ?? false, busy: history.loading, poll: history.reload, restartKey: version });
  const watchedRow = watched ? resets?.find((reset) => reset.id === watched) : undefined;
  useEffect(() => {
    if (watchedRow) onWatchedDelivery(watchedRow);
  }, [watchedRow?.id, watchedRow?.emailStatus, watchedRow?.emailProblem]);

  const sendAgain = async (reset: PasswordReset) => {
    setSending(reset.id);
    try {
      // An invitation nobody answered is sent again as an invitation; any other link as a reset link.
      onSent(reset.purpose === "invite" && !user.hasPassword ? await sendInvitationAgain(user) : await sendResetLink(user));
    } catch (error) {
      onMessage({ tone: "error", text: error instanceof ApiError ? error.message : "The link could not be sent. Try again in a moment." });
    } finally {
      setSending(null);
    }
  };
  const mayResend = canRevoke && user.status === "active";

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
                  <EmailDelivery reset={reset} />
                </td>
                {canRevoke ? (
                  <td className="cell-actions">
                    {mayResend && reset.emailStatus === "failed" && reset.state === "pending" ? (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={sending !== null}
                        onClick={() => void sendAgain(reset)}
                        aria-label={`Send again: a new ${reset.purpose === "invite" && !user.hasPassword ? "invitation" : "reset link"} instead of the one requested ${formatDateTime(reset.createdAt)}`}
                      >
                        {sending === reset.id ? "Sending…" : "Send again"}
                      </button>
                    ) : null}
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
