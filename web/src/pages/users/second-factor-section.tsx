import type { SecondFactorReset, SecondFactorSummary, UserDetail } from "../../api/types.ts";
import { api } from "../../api/endpoints.ts";
import { ActedBy } from "../../components/acted-by.tsx";
import { DataTable } from "../../components/data-table.tsx";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { ListStates } from "../../components/states.tsx";
import { formatDateTime, plural } from "../../lib/format.ts";
import { usePolling } from "../../lib/use-polling.ts";
import { useResource } from "../../lib/use-resource.ts";
import { EmailDelivery, inFlight } from "./email-delivery.tsx";

interface Props {
  user: UserDetail;
  summary: NonNullable<SecondFactorSummary>;
  /** Bumped by the page after a reset. */
  version: number;
}

/** Whether "Reset two-factor" has anything to remove (the server's own rule, decision 0039, answers 409 otherwise). */
export function hasAnythingToReset(summary: NonNullable<SecondFactorSummary>): boolean {
  return summary.hasSecondFactor || summary.recoveryCodesRemaining > 0 || summary.authenticatorAppPending;
}

function ResetBy({ reset }: { reset: SecondFactorReset }) {
  return reset.resetBy ? <ActedBy by={reset.resetBy} /> : <span>Operator</span>;
}

function removedWords(removed: SecondFactorReset["removed"]): string {
  const parts = [
    ...(removed.authenticatorApp ? ["Authenticator app"] : []),
    ...(removed.passkeys > 0 ? [plural(removed.passkeys, "passkey")] : []),
    ...(removed.recoveryCodes > 0 ? [plural(removed.recoveryCodes, "recovery code")] : []),
  ];
  return parts.length > 0 ? parts.join(", ") : "An unfinished set-up";
}

/** "Two-factor sign-in": which kinds the user has (never a secret), and who reset them, when. */
export function SecondFactorSection({ user, summary, version }: Props) {
  const history = useResource(() => api.secondFactorResets(user.id), `${user.id}|${version}`);
  // The email leaves a moment after the reset: followed like the password resets' history.
  usePolling({ active: history.data?.resets.some((reset) => inFlight(reset.emailStatus)) ?? false, busy: history.loading, poll: history.reload, restartKey: version });
  const app = summary.authenticatorApp ? "Set up" : summary.authenticatorAppPending ? "Being set up (not confirmed yet)" : "Not set up";
  return (
    <section className="card" aria-labelledby="second-factor-heading">
      <div className="card-header">
        <h2 id="second-factor-heading">Two-factor sign-in</h2>
        <p className="card-meta">{summary.hasSecondFactor ? <span className="badge badge-success">On</span> : <span className="badge badge-warning">No second factor</span>}</p>
      </div>
      <dl className="facts facts-compact">
        <div className="fact">
          <dt>Authenticator app</dt>
          <dd>{app}</dd>
        </div>
        <div className="fact">
          <dt>Passkeys</dt>
          <dd>{summary.passkeys > 0 ? plural(summary.passkeys, "passkey") : "None"}</dd>
        </div>
        <div className="fact">
          <dt>Recovery codes left</dt>
          <dd>{summary.recoveryCodesRemaining > 0 ? summary.recoveryCodesRemaining : "None"}</dd>
        </div>
        {summary.enrolmentDueSince ? (
          <div className="fact">
            <dt>Set-up due</dt>
            <dd>At their next sign-in (reset {formatDateTime(summary.enrolmentDueSince)})</dd>
          </div>
        ) : null}
      </dl>
      {!hasAnythingToReset(summary) ? (
        <p className="card-note" id="second-factor-reset-note">
          {summary.enrolmentDueSince
            ? `Reset two-factor is not available: ${user.name}'s second factor was already reset, and they will set one up at their next sign-in.`
            : `Reset two-factor is not available: ${user.name} has no second factor to reset.`}
        </p>
      ) : null}
      <h3 className="subsection-title">Resets</h3>
      <ListStates
        list={history}
        count={(data) => data.resets.length}
        loadingLabel="Loading two-factor resets…"
        errorTitle="The two-factor resets could not be loaded"
        emptyTitle="No two-factor resets yet"
        emptyText={<>When someone resets the two-factor sign-in of {user.name}, it is listed here.</>}
        keepOnError
      >
        {({ resets }) => (
          <DataTable caption={<>Two-factor resets of {user.name}, newest first</>} regionLabel={`Two-factor resets of ${user.name}`} columns={["Reset by", "Reset at", "Removed", "Email delivery"]}>
            {resets.map((reset) => (
              <tr key={reset.id}>
                <td>
                  <ResetBy reset={reset} />
                </td>
                <td>
                  <DateTimeCell value={reset.at} />
                </td>
                <td>{removedWords(reset.removed)}</td>
                <td>
                  <EmailDelivery reset={reset} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
    </section>
  );
}
