import type { Executor } from "../../../db/client.ts";
import type { Deps } from "../../../deps.ts";
import { recordAuditEvent } from "../../audit/record-audit-event.ts";
import { crossedLimit, hitRateLimitsInTurn } from "../../rate-limit.ts";
import type { ForgotPasswordRequest } from "./forgot-password-requests.queries.ts";
import { findAccountByEmail } from "./password-reset.queries.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";
import { sendResetLink } from "./send-reset-link.ts";

export type ForgotPasswordOutcome = { sent: true; linkId: string } | { sent: false; reason: "limited" | "unknown" | "inactive" };

/**
 * The work behind one "forgot password" request, in the worker's transaction (decision 0034). First
 * the limits, counted at the time of the request, in the database so every instance shares them:
 * the client first, and the typed address only while the client is within its limit (decision
 * 0026); only the hit that crosses a limit is audited. Then an active account (a restored one
 * without a password included) gets a link at its stored address; anything else gets nothing.
 */
export async function processForgotPassword(tx: Executor, deps: Pick<Deps, "clock" | "config" | "jobs">, request: ForgotPasswordRequest): Promise<ForgotPasswordOutcome> {
  // Limits count the request when it was made, however long it waited; the link starts now.
  const asked = request.requestedAt;
  const now = deps.clock.now();
  const [client, account] = await hitRateLimitsInTurn(
    tx,
    [
      { key: resetRateKeys.forgotClient(request.clientAddress), rule: RESET_LIMITS.forgotPerClient },
      { key: resetRateKeys.forgotAccount(request.email), rule: RESET_LIMITS.forgotPerAccount },
    ],
    asked,
  );
  if (!client?.allowed || !account?.allowed) {
    if (crossedLimit(client, RESET_LIMITS.forgotPerClient) || crossedLimit(account, RESET_LIMITS.forgotPerAccount)) {
      const limits = [...(client?.allowed ? [] : ["client"]), ...(account && !account.allowed ? ["account"] : [])];
      await recordAuditEvent(tx, { action: "rate_limit.hit", outcome: "refused", clientAddress: request.clientAddress, details: { flow: "forgot_password", limits }, at: asked });
    }
    return { sent: false, reason: "limited" };
  }
  const found = await findAccountByEmail(tx, request.email);
  if (!found) return { sent: false, reason: "unknown" };
  if (found.status !== "active" || found.companyDeletedAt) {
    // Recorded for the account's administrators: someone tried to reset a closed account.
    await recordAuditEvent(tx, {
      action: "password_reset.requested",
      outcome: "refused",
      targetUserId: found.id,
      targetCompanyId: found.companyId,
      clientAddress: request.clientAddress,
      details: { via: "forgot_password", reason: found.status !== "active" ? "deactivated" : "company_deleted" },
      at: now,
    });
    return { sent: false, reason: "inactive" };
  }
  const link = await sendResetLink(tx, deps, {
    recipient: found,
    askedBy: { kind: "forgot_password" },
    requestedByUserId: null,
    requestedByCompanyId: null,
    grantId: null,
    audit: { clientAddress: request.clientAddress },
    now,
  });
  return { sent: true, linkId: link.id };
}
