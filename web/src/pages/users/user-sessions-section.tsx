import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { UserDetail } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import type { FormMessage } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { SessionsTable } from "../sessions/sessions-table.tsx";

interface Props {
  user: UserDetail;
  onMessage: (message: FormMessage) => void;
}

/** A user's live sessions, for those who may sign them out (decision 0048), and "Sign out everywhere". */
export function UserSessionsSection({ user, onMessage }: Props) {
  const [version, setVersion] = useState(0);
  const list = useResource(() => api.sessionsOfUser(user.id), `${user.id}|${version}`);
  const [open, setOpen] = useState(false);
  const count = list.data?.sessions.length ?? 0;
  return (
    <section className="card" aria-labelledby="user-sessions-heading">
      <div className="card-header">
        <h2 id="user-sessions-heading">Sessions</h2>
        {count > 0 ? (
          <button type="button" className="button button-danger" onClick={() => setOpen(true)}>
            Sign out everywhere
          </button>
        ) : null}
      </div>
      <ListStates
        list={list}
        count={(data) => data.sessions.length}
        loadingLabel="Loading sessions…"
        errorTitle="The sessions could not be loaded"
        emptyTitle="Not signed in anywhere"
        emptyText={<>When {user.name} signs in, each browser is listed here.</>}
        keepOnError
      >
        {({ sessions }) => <SessionsTable sessions={sessions} caption={`Sessions of ${user.name}, the most recently seen first`} />}
      </ListStates>
      <ConfirmDialog
        open={open}
        title={`Sign ${user.name} out everywhere?`}
        confirmLabel="Sign out everywhere"
        busyLabel="Signing out…"
        danger
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          const answer = await api.signOutUserEverywhere(user.id);
          onMessage({ tone: "success", text: `${user.name} was signed out of ${plural(answer.signedOut, "session")}. We emailed ${user.email}.` });
          setVersion((n) => n + 1);
        }}
      >
        <p>Every browser and device signed in as {user.name} is signed out now ({plural(count, "session")}). Their password does not change.</p>
        <p className="muted">
          We will email <strong>{user.email}</strong> that you did this.
        </p>
      </ConfirmDialog>
    </section>
  );
}
