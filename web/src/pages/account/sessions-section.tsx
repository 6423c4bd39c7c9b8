import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { SessionView } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { FormResult, type FormMessage } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { SessionsTable } from "../sessions/sessions-table.tsx";

/** Account settings' "Where you're signed in": one's own sessions, each signed out alone or all but this one (decision 0048). */
export function SessionsSection() {
  const [version, setVersion] = useState(0);
  const list = useResource(() => api.ownSessions(), String(version));
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [ending, setEnding] = useState<SessionView | null>(null);
  const [endingOthers, setEndingOthers] = useState(false);
  const others = list.data?.sessions.filter((session) => !session.current).length ?? 0;
  const done = (text: string) => {
    setMessage({ tone: "success", text });
    setVersion((n) => n + 1);
  };

  return (
    <section className="card card-narrow" aria-labelledby="sessions-heading">
      <div className="card-header">
        <h2 id="sessions-heading">Where you're signed in</h2>
        {others > 0 ? (
          <button type="button" className="button" onClick={() => setEndingOthers(true)}>
            Sign out everywhere else
          </button>
        ) : null}
      </div>
      <FormResult message={message} />
      <ListStates list={list} count={(data) => data.sessions.length} loadingLabel="Loading your sessions…" errorTitle="Your sessions could not be loaded" emptyTitle="No sessions" keepOnError>
        {({ sessions }) => (
          <SessionsTable
            sessions={sessions}
            caption="Your sessions, the most recently seen first"
            action={(session) =>
              session.current ? null : (
                <button type="button" className="button button-small" onClick={() => setEnding(session)} aria-label={`Sign out ${session.device}, ${session.clientAddress ?? "unknown address"}`}>
                  Sign out
                </button>
              )
            }
          />
        )}
      </ListStates>
      <ConfirmDialog
        open={ending !== null}
        title={`Sign out ${ending?.device ?? "this session"}?`}
        confirmLabel="Sign out"
        busyLabel="Signing out…"
        onClose={() => setEnding(null)}
        onConfirm={async () => {
          if (!ending) return;
          await api.signOutOwnSession(ending.id);
          done(`${ending.device} was signed out.`);
        }}
      >
        <p>That browser will need your password to sign in again.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={endingOthers}
        title="Sign out everywhere else?"
        confirmLabel="Sign out everywhere else"
        busyLabel="Signing out…"
        onClose={() => setEndingOthers(false)}
        onConfirm={async () => {
          const answer = await api.signOutOtherSessions();
          done(`${plural(answer.signedOut, "other session")} signed out. You stay signed in here.`);
        }}
      >
        <p>Every other browser and device signed in to your account is signed out ({plural(others, "session")}). You stay signed in here.</p>
      </ConfirmDialog>
    </section>
  );
}
