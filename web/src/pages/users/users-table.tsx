import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../../api/endpoints.ts";
import type { UserSummary } from "../../api/types.ts";
import { RoleLabel, StatusBadge } from "../../components/badges.tsx";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { DataTable, type Column } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import type { UserSortKey } from "./users-list-params.ts";

export interface TableSort {
  key: UserSortKey;
  dir: "asc" | "desc";
  onSort: (key: UserSortKey) => void;
}

interface Props {
  users: UserSummary[];
  caption: string;
  busy: boolean;
  meId: string;
  /** Whether the actor's role may restore users; the server still decides for each one. */
  canRestore: boolean;
  onRestored: (user: UserSummary) => void;
  /** Null while searching: a search lists its matches by name. */
  sort: TableSort | null;
  /** Rows chosen for a bulk action; null for those who may not act on users. */
  selection: { selected: ReadonlySet<string>; onChange: (users: UserSummary[], chosen: boolean) => void } | null;
}

/** Name, email, role, status, last sign-in and creation, each header ordering the list; deactivated users carry their Restore button (PRODUCT.md section 4). */
export function UsersTable({ users, caption, busy, meId, canRestore, onRestored, sort, selection }: Props) {
  const others = users.filter((user) => user.id !== meId);
  const allChosen = selection !== null && others.length > 0 && others.every((user) => selection.selected.has(user.id));
  const [restoring, setRestoring] = useState<UserSummary | null>(null);
  const showActions = canRestore && users.some((user) => user.status === "deactivated");

  const restoreDialog = (
    <ConfirmDialog
      open={restoring !== null}
      title={`Restore ${restoring?.name ?? "this user"}?`}
      confirmLabel="Restore user"
      busyLabel="Restoring…"
      onClose={() => setRestoring(null)}
      onConfirm={async () => {
        if (!restoring) return;
        await api.restoreUser(restoring.id);
        onRestored(restoring);
      }}
    >
      <p>The account comes back without its old password. {restoring?.name} can sign in again after choosing a new password through a reset link.</p>
    </ConfirmDialog>
  );

  return (
    <DataTable
      caption={caption}
      busy={busy}
      regionLabel="Users table"
      tableClassName="table-dense"
      columns={[
        selection !== null && {
          label: "Select",
          className: "cell-select",
          content: (
            <input type="checkbox" aria-label="Select every user on this page" checked={allChosen} onChange={(event) => selection.onChange(users, event.target.checked)} />
          ),
        },
        ...COLUMNS.map(([key, label]): Column => (sort ? { label, sort: { state: sort.key === key ? (sort.dir === "asc" ? "ascending" : "descending") : "none", onSort: () => sort.onSort(key) } } : label)),
        showActions && { label: "Actions", visuallyHidden: true },
      ]}
      extra={restoreDialog}
    >
      {users.map((user) => (
        <tr key={user.id}>
          {selection ? (
            <td className="cell-select">
              {user.id === meId ? null : (
                <input type="checkbox" aria-label={`Select ${user.name}`} checked={selection.selected.has(user.id)} onChange={(event) => selection.onChange([user], event.target.checked)} />
              )}
            </td>
          ) : null}
          <th scope="row" className="cell-strong">
            <Link to={`/company/users/${user.id}`}>{user.name}</Link>
            {user.id === meId ? <span className="you-tag">You</span> : null}
          </th>
          <td className="cell-email">{user.email}</td>
          <td>
            <RoleLabel role={user.role} />
          </td>
          <td>
            {/* An invited user is active but has not chosen a password yet: one badge says it (two made the table too wide for 1280 px). */}
            {user.status === "active" && !user.hasPassword ? <span className="badge badge-info">Invited</span> : <StatusBadge status={user.status} />}
          </td>
          <td>
            <DateTimeCell value={user.lastLoginAt} />
          </td>
          <td>
            <DateTimeCell value={user.createdAt} dateOnly />
          </td>
          {showActions ? (
            <td className="cell-actions">
              {user.status === "deactivated" ? (
                <button type="button" className="button button-small" aria-label={`Restore ${user.name}`} onClick={() => setRestoring(user)}>
                  Restore
                </button>
              ) : null}
            </td>
          ) : null}
        </tr>
      ))}
    </DataTable>
  );
}

const COLUMNS: Array<[UserSortKey, string]> = [
  ["name", "Name"],
  ["email", "Email"],
  ["role", "Role"],
  ["status", "Status"],
  ["lastSignIn", "Last sign-in"],
  ["created", "Created"],
];
