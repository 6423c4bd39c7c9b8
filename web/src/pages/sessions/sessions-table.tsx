import type { ReactNode } from "react";
import type { SessionView } from "../../api/types.ts";
import { DataTable } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";

interface Props {
  sessions: SessionView[];
  caption: string;
  /** The button of a row, for those who may end one session (account settings); none on the user page. */
  action?: (session: SessionView) => ReactNode;
}

/** Live sessions, in account settings and on a user's page alike: device, address, signed in, last seen. */
export function SessionsTable({ sessions, caption, action }: Props) {
  return (
    <DataTable caption={caption} regionLabel={caption} columns={["Device", "Address", "Signed in", "Last seen", action ? { label: "Actions", visuallyHidden: true } : false]}>
      {sessions.map((session) => (
        <tr key={session.id}>
          <td>
            {session.device}
            {session.current ? <span className="badge badge-info session-current">This browser</span> : null}
          </td>
          <td>{session.clientAddress ?? <span className="muted">Unknown</span>}</td>
          <td>
            <DateTimeCell value={session.signedInAt} />
          </td>
          <td>
            <DateTimeCell value={session.lastSeenAt} />
          </td>
          {action ? <td className="cell-actions">{action(session)}</td> : null}
        </tr>
      ))}
    </DataTable>
  );
}
