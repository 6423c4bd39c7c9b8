import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { Answer, RequestBody, UserSummary } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { Notice } from "../../components/notice.tsx";
import { plural } from "../../lib/format.ts";

type BulkAction = RequestBody<"/users/bulk", "post">["action"];
type BulkAnswer = Answer<"/users/bulk", "post">;

/** What each action is called, and what the confirmation says will happen to each user. */
const ACTIONS: Record<BulkAction, { label: string; verb: string; effect: string; danger?: boolean }> = {
  deactivate: { label: "Deactivate", verb: "Deactivate", effect: "They can no longer sign in; their sessions and links end now. You can restore them later.", danger: true },
  restore: { label: "Restore", verb: "Restore", effect: "Their accounts come back without their old passwords: each signs in again after choosing a new one through a reset link." },
  resendInvitation: { label: "Resend invitation", verb: "Send a new invitation to", effect: "Each user who has never set a password gets a new invitation; their older links stop working." },
  resetPassword: { label: "Send reset link", verb: "Send a password reset link to", effect: "Each gets an email with a link to choose a new password; older links stop working." },
};

interface Props {
  selected: UserSummary[];
  onClear: () => void;
  onDone: () => void;
}

/** The bar over the users table when rows are selected: one action for all, confirmed, then a result per user. */
export function BulkActions({ selected, onClear, onDone }: Props) {
  const [asking, setAsking] = useState<BulkAction | null>(null);
  const [outcome, setOutcome] = useState<{ action: BulkAction; answer: BulkAnswer; names: Map<string, string> } | null>(null);
  const count = plural(selected.length, "user");
  return (
    <>
      {selected.length > 0 ? (
        <div className="bulk-bar" role="group" aria-label="Act on the selected users">
          <span className="bulk-count">{count} selected</span>
          {(Object.keys(ACTIONS) as BulkAction[]).map((action) => (
            <button key={action} type="button" className="button button-small" onClick={() => setAsking(action)}>
              {ACTIONS[action].label}
            </button>
          ))}
          <button type="button" className="button button-small button-quiet" onClick={onClear}>
            Clear selection
          </button>
        </div>
      ) : null}
      {outcome ? <BulkOutcome {...outcome} onDismiss={() => setOutcome(null)} /> : null}
      <ConfirmDialog
        open={asking !== null}
        title={asking ? `${ACTIONS[asking].verb} ${count}?` : ""}
        confirmLabel={asking ? `${ACTIONS[asking].label}: ${count}` : "Confirm"}
        busyLabel="Working…"
        danger={asking ? ACTIONS[asking].danger === true : false}
        onClose={() => setAsking(null)}
        onConfirm={async () => {
          if (!asking) return;
          const names = new Map(selected.map((user) => [user.id, user.name]));
          const answer = await api.bulkUsers({ action: asking, ids: selected.map((user) => user.id) });
          setOutcome({ action: asking, answer, names });
          setAsking(null);
          onDone();
        }}
      >
        <p>{asking ? ACTIONS[asking].effect : null}</p>
        <p>The same rules apply as for one user at a time: a user you may not act on is left as they are, and the result says why.</p>
      </ConfirmDialog>
    </>
  );
}

function BulkOutcome({ action, answer, names, onDismiss }: { action: BulkAction; answer: BulkAnswer; names: Map<string, string>; onDismiss: () => void }) {
  const title = `${ACTIONS[action].label}: ${answer.succeeded} done${answer.failed > 0 ? `, ${answer.failed} not done` : ""}`;
  return (
    <Notice tone={answer.failed > 0 ? "warning" : "success"} title={title}>
      <ul className="bulk-results">
        {answer.results.map((result) => (
          <li key={result.id}>
            <strong>{names.get(result.id) ?? result.id}</strong>: {result.ok ? "done" : (result.error?.message ?? "not done")}
          </li>
        ))}
      </ul>
      <button type="button" className="button button-small button-quiet" onClick={onDismiss}>
        Dismiss
      </button>
    </Notice>
  );
}
