import type { Executor } from "../../../db/client.ts";
import { auditEvents } from "../../../db/schema.ts";
import type { Deps } from "../../../deps.ts";
import { auditRowOf, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { crossedLimit, hitRateLimitsTogether } from "../../rate-limit.ts";
import type { ForgotPasswordRequest } from "./forgot-password-requests.queries.ts";
import { findAccountsByEmails } from "./password-reset.queries.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";
import { sendForgotPasswordLinks, type ForgotPasswordSend } from "./send-reset-links.ts";

/**
 * Counts a batch's limits, each request as if alone at its turn, in the database so every
 * instance shares them: the clients first, then the typed addresses of the requests whose client
 * was within its limit (decision 0026) — two statements for the batch. Only the hit that crosses a
 * limit is audited. Returns the requests both limits allow, in order.
 */
async function countLimits(tx: Executor, requests: ForgotPasswordRequest[], refusals: string[]): Promise<ForgotPasswordRequest[]> {
  const { forgotPerClient, forgotPerAccount } = RESET_LIMITS;
  // The batch's first request sets the time: a batch spans a fraction of a second of requests.
  const at = requests[0]?.requestedAt ?? new Date();
  const clients = await hitRateLimitsTogether(tx, requests.map((r) => ({ key: resetRateKeys.forgotClient(r.clientAddress), rule: forgotPerClient })), at);
  const clientAllowed = requests.filter((_, i) => clients[i]?.allowed);
  const accounts = await hitRateLimitsTogether(tx, clientAllowed.map((r) => ({ key: resetRateKeys.forgotAccount(r.email), rule: forgotPerAccount })), at);
  const accountOf = new Map(clientAllowed.map((r, i) => [r, accounts[i]]));
  const crossings: AuditEventInput[] = [];
  const allowed: ForgotPasswordRequest[] = [];
  requests.forEach((request, i) => {
    const client = clients[i];
    const account = accountOf.get(request);
    if (client?.allowed && account?.allowed) {
      allowed.push(request);
      return;
    }
    if (!client?.allowed) refusals.push("forgot_password:client");
    else refusals.push("forgot_password:account");
    if (!crossedLimit(client, forgotPerClient) && !crossedLimit(account, forgotPerAccount)) return;
    const limits = [...(client?.allowed ? [] : ["client"]), ...(account && !account.allowed ? ["account"] : [])];
    crossings.push({ action: "rate_limit.hit", outcome: "refused", clientAddress: request.clientAddress, details: { flow: "forgot_password", limits }, at: request.requestedAt });
  });
  if (crossings.length > 0) await tx.insert(auditEvents).values(crossings.map(auditRowOf));
  return allowed;
}

/**
 * The work behind a batch of "forgot password" requests, in the worker's transaction (decision
 * 0034), in the order they were made: their limits, then one lookup of every address. An active
 * account (a restored one without a password included) gets a link at its stored address; a
 * closed one gets an audit row for its administrators; an unknown address gets nothing.
 */
export interface ForgotPasswordTally {
  sent: number;
  /** Refused by a limit: one entry per request, naming the limit (for the metrics, once committed). */
  limited: string[];
  /** For a deactivated account or a deleted company. */
  refused: number;
  /** For no account. */
  dropped: number;
}

export async function processForgotPasswordBatch(tx: Executor, deps: Pick<Deps, "clock" | "config" | "jobs">, requests: ForgotPasswordRequest[]): Promise<ForgotPasswordTally> {
  const limited: string[] = [];
  const allowed = await countLimits(tx, requests, limited);
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
  return { sent: sends.length, limited, refused: refused.length, dropped: allowed.length - sends.length - refused.length };
}
