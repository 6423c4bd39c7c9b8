import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import type { Role, UserDetail, UserView } from "../../api/types.ts";
import { RoleLabel, StatusBadge } from "../../components/badges.tsx";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { SelectField } from "../../components/field.tsx";
import { FormResult, type FormMessage } from "../../components/notice.tsx";
import { ROLE_LABELS, formatDateTime } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";
import { useMe } from "../../session/session.tsx";

interface Props {
  view: UserView;
  onUpdated: (user: UserDetail) => void;
}

function whyRoleIsFixed(user: UserDetail, meId: string): string {
  if (user.id === meId) return "Nobody changes their own role.";
  if (user.role === "administrator") return "Administrators are appointed and changed by the operator of this installation.";
  return "Your role does not allow changing this user's role.";
}

export function UserRoleSection({ view, onUpdated }: Props) {
  const { user, permissions } = view;
  const me = useMe();
  const [role, setRole] = useState<Role>(user.role);
  const { busy, message, run } = useFormSubmit();
  useEffect(() => setRole(user.role), [user.role]);
  const options = [user.role, ...permissions.assignableRoles.filter((r) => r !== user.role)];

  function submit(event: FormEvent) {
    event.preventDefault();
    if (role === user.role) return;
    void run(async () => {
      const { user: next } = await api.changeRole(user.id, role);
      onUpdated(next);
      return { tone: "success", text: `Role changed to ${ROLE_LABELS[next.role]}.` };
    });
  }

  return (
    <section className="card" aria-labelledby="user-role-heading">
      <div className="card-header">
        <h2 id="user-role-heading">Role</h2>
      </div>
      {permissions.changeRole ? (
        <form onSubmit={submit} noValidate className="form">
          <SelectField id="user-role" label="Role" options={options.map((r) => ({ value: r, label: ROLE_LABELS[r] }))} value={role} onChange={(e) => setRole(e.target.value as Role)} />
          <div className="form-actions">
            <button type="submit" className="button" aria-disabled={busy || role === user.role || undefined}>
              {busy ? "Changing…" : "Change role"}
            </button>
          </div>
          <FormResult message={message} />
        </form>
      ) : (
        <>
          <p className="big-value">
            <RoleLabel role={user.role} />
          </p>
          <p className="card-note">{whyRoleIsFixed(user, me.user.id)}</p>
        </>
      )}
    </section>
  );
}

export function UserStatusSection({ view, onUpdated, onMessage }: Props & { onMessage: (message: FormMessage) => void }) {
  const { user, permissions } = view;
  const [dialog, setDialog] = useState<"deactivate" | "restore" | null>(null);
  const active = user.status === "active";

  return (
    <section className="card" aria-labelledby="user-status-heading">
      <div className="card-header">
        <h2 id="user-status-heading">Status</h2>
      </div>
      <p className="big-value">
        <StatusBadge status={user.status} />
        {!active && user.deactivatedAt ? <span className="muted"> since {formatDateTime(user.deactivatedAt)}</span> : null}
      </p>
      <p className="card-note">
        {active ? "Active users can sign in." : "Deactivated users cannot sign in. Restoring brings the account back without its old password: the user then sets one through a reset link."}
      </p>
      {active && permissions.deactivate ? (
        <button type="button" className="button button-danger-outline" onClick={() => setDialog("deactivate")}>
          Deactivate user
        </button>
      ) : null}
      {!active && permissions.restore ? (
        <button type="button" className="button" onClick={() => setDialog("restore")}>
          Restore user
        </button>
      ) : null}
      <ConfirmDialog
        open={dialog === "deactivate"}
        title={`Deactivate ${user.name}?`}
        confirmLabel="Deactivate user"
        busyLabel="Deactivating…"
        danger
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          const { user: next } = await api.deactivateUser(user.id);
          onUpdated(next);
          onMessage({ tone: "success", text: `${next.name} was deactivated and signed out everywhere.` });
        }}
      >
        <p>
          {user.name} is signed out everywhere and can no longer sign in. Their pending links stop working. You can restore the account later.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === "restore"}
        title={`Restore ${user.name}?`}
        confirmLabel="Restore user"
        busyLabel="Restoring…"
        onClose={() => setDialog(null)}
        onConfirm={async () => {
          const { user: next } = await api.restoreUser(user.id);
          onUpdated(next);
          onMessage({ tone: "success", text: `${next.name} was restored. Send them a password reset link so they can choose a new password.` });
        }}
      >
        <p>The account comes back without its old password. {user.name} can sign in again after choosing a new password through a reset link.</p>
      </ConfirmDialog>
    </section>
  );
}
