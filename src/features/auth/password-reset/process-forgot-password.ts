import type { Executor } from "../../../db/client.ts";
import { auditEvents } from "../../../db/schema.ts";
import type { Deps } from "../../../deps.ts";
import { auditRowOf, recordAuditEvent, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { crossedLimit, hitRateLimitsInTurn } from "../../rate-limit.ts";
import type { ForgotPasswordRequest } from "./forgot-password-requests.queries.ts";
import { findAccountsByEmails } from "./password-reset.queries.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";
import { sendForgotPasswordLinks, type ForgotPasswordSend } from "./send-reset-links.ts";

/**
 * Counts one request's limits at the time it was made, in the database so every instance shares
 * them: the client first, and the typed address only while the client is within its limit
 * (decision 0026). Only the hit that crosses a limit is audited. True when both allow it.
 */
async function countLimits(tx: Executor, request: ForgotPasswordRequest): Promise<boolean> {
  const [client, account] = await hitRateLimitsInTurn(
    tx,
    [
      { key: resetRateKeys.forgotClient(request.clientAddress), rule: RESET_LIMITS.forgotPerClient },
      { key: resetRateKeys.forgotAccount(request.email), rule: RESET_LIMITS.forgotPerAccount },
    ],
    request.requestedAt,
  );
  if (client?.allowed && account?.allowed) return true;
  if (crossedLimit(client, RESET_LIMITS.forgotPerClient) || crossedLimit(account, RESET_LIMITS.forgotPerAccount)) {
    const limits = [...(client?.allowed ? [] : ["client"]), ...(account && !account.allowed ? ["account"] : [])];
    await recordAuditEvent(tx, { action: "rate_limit.hit", outcome: "refused", clientAddress: request.clientAddress, details: { flow: "forgot_password", limits }, at: request.requestedAt });
  }
  return false;
}

/**
 * The work behind a batch of "forgot password" requests, in the worker's transaction (decision
 * 0034), in the order they were made: their limits, then one lookup of every address. An active
 * account (a restored one without a password included) gets a link at its stored address; a
 * closed one gets an audit row for its administrators; an unknown address gets nothing.
 */
export async function processForgotPasswordBatch(tx: Executor, deps: Pick<Deps, "clock" | "config" | "jobs">, requests: ForgotPasswordRequest[]): Promise<{ sent: number }> {
  const allowed: ForgotPasswordRequest[] = [];
  for (const request of requests) if (await countLimits(tx, request)) allowed.push(request);
  const accounts = await findAccountsByEmails(tx, [...new Set(allowed.map((request) => request.email))]);
  const now = deps.clock.now();
  const sends: ForgotPasswordSend[] = [];
  const refused: AuditEventInput[] = [];
  for (const request of allowed) {
    const account = accounts.get(request.email);
    if (!account) continue;
    if (account.status === "active" && !account.companyDeletedAt) {
      sends.push({ recipient: account, clientAddress: request.clientAddress });
      continue;
    }
    refused.push({
      action: "password_reset.requested",
      outcome: "refused",
      targetUserId: account.id,
      targetCompanyId: account.companyId,
      clientAddress: request.clientAddress,
      details: { via: "forgot_password", reason: account.status !== "active" ? "deactivated" : "company_deleted" },
      at: now,
    });
  }
  if (refused.length > 0) await tx.insert(auditEvents).values(refused.map(auditRowOf));
  await sendForgotPasswordLinks(tx, deps, sends, now);
  return { sent: sends.length };
}
