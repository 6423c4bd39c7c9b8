import type { Deps } from "../../../deps.ts";
import { recordAuditEvent } from "../../audit/record-audit-event.ts";
import { crossedLimit, hitRateLimitsInTurn } from "../../rate-limit.ts";
import { normalizeEmail } from "../../email-address.ts";
import { FORGOT_PASSWORD_QUEUE, type ForgotPasswordJob } from "./forgot-password-queue.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";

export interface RequestPasswordResetInput {
  email: string;
  clientAddress: string;
}

/**
 * "Forgot password" (PRODUCT.md 5.3). The request does the same work whatever was typed: one
 * statement counts both rate limits, then one queues the job (or, when limited, may write an audit
 * row). It never reads the users table, so neither its answer nor its timing can tell whether an
 * account exists; the job looks the address up and sends the email (decision 0007). No
 * transaction: a count without its job (the insert failed) only counts one request too many, as
 * any refused request does.
 */
export async function requestPasswordReset(deps: Pick<Deps, "db" | "clock" | "jobs">, input: RequestPasswordResetInput): Promise<void> {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  // The client first, and the typed address only while the client is within its limit: a client
  // over its limit cannot add a rate_limits row per new address it types (decision 0026).
  const [client, account] = await hitRateLimitsInTurn(
    deps.db,
    [
      { key: resetRateKeys.forgotClient(input.clientAddress), rule: RESET_LIMITS.forgotPerClient },
      { key: resetRateKeys.forgotAccount(email), rule: RESET_LIMITS.forgotPerAccount },
    ],
    now,
  );
  if (client?.allowed && account?.allowed) {
    const job: ForgotPasswordJob = { email, clientAddress: input.clientAddress };
    await deps.jobs.send(deps.db, FORGOT_PASSWORD_QUEUE, job);
    return;
  }
  // Limited: the same answer, and silently nothing sent. Only the hit that crosses a limit is
  // audited, so a flood of refused requests writes one row per window, not one per request.
  if (!crossedLimit(client, RESET_LIMITS.forgotPerClient) && !crossedLimit(account, RESET_LIMITS.forgotPerAccount)) return;
  const limits = [...(client?.allowed ? [] : ["client"]), ...(account && !account.allowed ? ["account"] : [])];
  await recordAuditEvent(deps.db, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "forgot_password", limits }, at: now });
}
