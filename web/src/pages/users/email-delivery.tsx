import type { PasswordReset } from "../../api/types.ts";
import { EmailStatusBadge } from "../../components/badges.tsx";

/** An email the server is still working on: the history asks again until it is settled. */
export const inFlight = (status: PasswordReset["emailStatus"]) => status === "queued" || status === "retrying";

/** The email column of a history: its state, and why it has not left, in words. */
export function EmailDelivery({ reset }: { reset: Pick<PasswordReset, "emailStatus" | "emailProblem"> }) {
  return (
    <>
      <EmailStatusBadge status={reset.emailStatus} />
      {reset.emailProblem ? <span className="cell-note delivery-problem">{reset.emailProblem}</span> : null}
    </>
  );
}
