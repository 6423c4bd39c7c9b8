import type { Deps } from "../../../deps.ts";
import { recordAuditEvent } from "../../audit/record-audit-event.ts";
import type { ForgotPasswordJob } from "./forgot-password-queue.ts";
import { findAccountByEmail } from "./password-reset.queries.ts";
import { sendResetLink } from "./send-reset-link.ts";

/**
 * The work behind a "forgot password" request, run by the job. An active account (a restored one
 * without a password included) gets a link at its stored address; anything else gets nothing.
 */
export async function processForgotPassword(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, job: ForgotPasswordJob) {
  const now = deps.clock.now();
  const account = await findAccountByEmail(deps.db, job.email);
  if (!account) return { sent: false as const, reason: "unknown" as const };
  if (account.status !== "active" || account.companyDeletedAt) {
    // Recorded for the account's administrators: someone tried to reset a closed account.
    await recordAuditEvent(deps.db, {
      action: "password_reset.requested",
      outcome: "refused",
      targetUserId: account.id,
      targetCompanyId: account.companyId,
      clientAddress: job.clientAddress,
      details: { via: "forgot_password", reason: account.status !== "active" ? "deactivated" : "company_deleted" },
      at: now,
    });
    return { sent: false as const, reason: "inactive" as const };
  }
  const link = await deps.db.transaction((tx) =>
    sendResetLink(tx, deps, {
      recipient: account,
      askedBy: { kind: "forgot_password" },
      requestedByUserId: null,
      requestedByCompanyId: null,
      grantId: null,
      audit: { clientAddress: job.clientAddress },
      now,
    }),
  );
  return { sent: true as const, linkId: link.id };
}
