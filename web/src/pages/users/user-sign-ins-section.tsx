import { useState } from "react";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { SignInView, UserDetail } from "../../api/types.ts";
import { DataTable } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { Notice } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { useResource } from "../../lib/use-resource.ts";

const RESULTS: Record<SignInView["result"], { label: string; tone: string }> = {
  signed_in: { label: "Signed in", tone: "success" },
  wrong_password: { label: "Wrong password", tone: "danger" },
  passkey_refused: { label: "Passkey refused", tone: "danger" },
  wrong_second_factor_code: { label: "Wrong two-factor code", tone: "danger" },
};

function Result({ signIn }: { signIn: SignInView }) {
  const { label, tone } = RESULTS[signIn.result];
  return (
    <>
      <span className={`badge badge-${tone}`}>{label}</span>
      {signIn.method === "passkey" && signIn.result === "signed_in" ? <span className="cell-note">With a passkey</span> : null}
    </>
  );
}

/** "Recent sign-ins": when, from where, on what, and whether it worked — read from the audit log (decision 0051). */
export function UserSignInsSection({ user }: { user: UserDetail }) {
  const list = useResource(() => api.signInsOfUser(user.id), user.id);
  const [older, setOlder] = useState<{ signIns: SignInView[]; nextCursor: string | null } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const cursor = older ? older.nextCursor : (list.data?.nextCursor ?? null);

  const showOlder = async () => {
    if (!cursor) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await api.signInsOfUser(user.id, cursor);
      setOlder((before) => ({ signIns: [...(before?.signIns ?? []), ...page.signIns], nextCursor: page.nextCursor }));
    } catch (error) {
      setOlderError(error instanceof ApiError ? error.message : "The older sign-ins could not be loaded. Try again.");
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <section className="card" aria-labelledby="user-sign-ins-heading">
      <div className="card-header">
        <h2 id="user-sign-ins-heading">Recent sign-ins</h2>
        <button
          type="button"
          className="button button-quiet button-small"
          onClick={() => {
            setOlder(null);
            list.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <ListStates
        list={list}
        count={(data) => data.signIns.length}
        loadingLabel="Loading sign-ins…"
        errorTitle="The sign-ins could not be loaded"
        emptyTitle="No sign-ins yet"
        emptyText={<>Each time someone signs in as {user.name}, or tries to with a wrong password or code, it is listed here.</>}
        keepOnError
      >
        {({ signIns }) => (
          <>
            <DataTable caption={`Sign-ins of ${user.name}, the most recent first`} regionLabel={`Sign-ins of ${user.name}`} columns={["When", "Result", "Device", "Address"]}>
              {[...signIns, ...(older?.signIns ?? [])].map((signIn) => (
                <tr key={signIn.id}>
                  <td>
                    <DateTimeCell value={signIn.at} />
                  </td>
                  <td>
                    <Result signIn={signIn} />
                  </td>
                  <td>{signIn.device}</td>
                  <td>{signIn.clientAddress ?? <span className="muted">Unknown</span>}</td>
                </tr>
              ))}
            </DataTable>
            {cursor ? (
              <p className="card-note">
                <button type="button" className="button button-small" onClick={() => void showOlder()} disabled={loadingOlder}>
                  {loadingOlder ? "Loading…" : "Show older sign-ins"}
                </button>
              </p>
            ) : null}
            {olderError ? <Notice tone="error">{olderError}</Notice> : null}
          </>
        )}
      </ListStates>
    </section>
  );
}
