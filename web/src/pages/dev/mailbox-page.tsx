import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../api/endpoints.ts";
import { EmailStatusBadge } from "../../components/badges.tsx";
import { DataTable } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { Notice } from "../../components/notice.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { ListStates } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useDebounced } from "../../lib/use-debounced.ts";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useSession } from "../../session/session.tsx";

const KIND_LABELS: Record<string, string> = {
  invitation: "Invitation",
  invite: "Invitation",
  password_reset: "Password reset",
  reset: "Password reset",
  password_changed: "Password changed",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

/** Emails captured instead of sent (no SMTP configured): what a developer needs to follow links. */
export function MailboxPage() {
  usePageTitle("Development mailbox");
  const { config } = useSession();
  const [recipient, setRecipient] = useState("");
  const to = useDebounced(recipient.trim(), 300);
  const mailbox = useResource(() => api.mailbox(to || undefined), `mailbox|${to}`);
  const emails = mailbox.data?.emails;

  return (
    <>
      <PageHeader
        title="Development mailbox"
        description={<p>No SMTP server is configured, so Latchkey keeps its emails here instead of sending them. Anyone who can reach this installation can read them.</p>}
        actions={
          <button type="button" className="button" onClick={mailbox.reload}>
            Refresh
          </button>
        }
      />
      {!config.devMailbox ? <Notice tone="info">The development mailbox is turned off on this installation: emails are sent by SMTP.</Notice> : null}
      <div className="toolbar">
        <div className="field field-inline">
          <label htmlFor="mailbox-to">Recipient</label>
          <input
            id="mailbox-to"
            className="input"
            type="search"
            placeholder="name@example.com"
            autoComplete="off"
            spellCheck={false}
            aria-describedby="mailbox-count"
            value={recipient}
            onChange={(event) => setRecipient(event.target.value)}
          />
        </div>
      </div>
      <p id="mailbox-count" className="result-count" aria-live="polite">
        {emails ? `${plural(emails.length, "email")}${emails.length === 100 ? " (the newest 100)" : ""}` : ""}
      </p>
      <ListStates
        list={mailbox}
        count={(data) => data.emails.length}
        loadingLabel="Loading emails…"
        errorTitle="The mailbox could not be loaded"
        emptyTitle={to ? `No emails to ${to}` : "No emails yet"}
        emptyText={to ? "The address must match exactly (capitals do not matter)." : "Invite a user or request a password reset, and the email shows up here."}
        keepOnError
      >
        {({ emails }) => (
          <DataTable caption="Captured emails, newest first" busy={mailbox.loading} wrapClassName="card-flush" columns={["To", "Subject", "Kind", "Status", "Time"]}>
            {emails.map((email) => (
              <tr key={email.id}>
                <td className="cell-email">{email.to}</td>
                <th scope="row" className="cell-strong">
                  <Link to={`/dev/mailbox/${email.id}`}>{email.subject}</Link>
                </th>
                <td className="cell-nowrap">{kindLabel(email.kind)}</td>
                <td>
                  <EmailStatusBadge status={email.status} />
                </td>
                <td>
                  <DateTimeCell value={email.sentAt ?? email.createdAt} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
    </>
  );
}
