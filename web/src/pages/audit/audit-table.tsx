import type { AuditEvent } from "../../api/types.ts";
import { DataTable } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { OUTCOMES, actionLabel, describeDetails } from "./audit-labels.ts";

function Person({ person, company }: { person: AuditEvent["actor"]; company: string | null }) {
  // Company-wide events (linked, un-linked, registered) name a company and nobody in it.
  if (!person) return company ? <span className="cell-strong-text">{company}</span> : <span className="muted">—</span>;
  return (
    <>
      <span className="cell-strong-text">{person.name}</span>
      <span className="cell-note audit-email">{person.email}</span>
      {company ? <span className="cell-note">{company}</span> : null}
    </>
  );
}

function Outcome({ outcome }: { outcome: string }) {
  const known = OUTCOMES[outcome];
  return <span className={`badge badge-${known?.tone ?? "neutral"}`}>{known?.label ?? outcome}</span>;
}

/** Newest first: when, what, who (and from which company), where they acted, on whom, and how it ended. */
export function AuditTable({ events, caption, busy }: { events: AuditEvent[]; caption: string; busy: boolean }) {
  return (
    // Seven columns scroll sideways on narrow screens: the region takes focus so keyboards can scroll it.
    <DataTable
      caption={caption}
      busy={busy}
      tableClassName="audit-table"
      regionLabel={caption}
      columns={["Time", "Action", "Actor", "Acting in", "Target", "Outcome", "Client address"]}
    >
      {events.map((event) => {
        const note = describeDetails(event);
        return (
          <tr key={event.id}>
            <td>
              <DateTimeCell value={event.at} />
            </td>
            <th scope="row">
              <span className="cell-strong-text">{actionLabel(event.action)}</span>
              {note ? <span className="cell-note">{note}</span> : null}
            </th>
            <td>
              {event.actorClient ? (
                <span className="cell-strong-text">{event.actorClient.label}</span>
              ) : (
                <Person person={event.actor} company={event.actorCompany} />
              )}
            </td>
            <td>{event.actingCompany ?? <span className="muted">—</span>}</td>
            <td>
              <Person person={event.target} company={event.targetCompany} />
            </td>
            <td>
              <Outcome outcome={event.outcome} />
            </td>
            <td className="cell-address">{event.clientAddress ?? <span className="muted">—</span>}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}
