import type { Deps } from "../../../deps.ts";
import { recordAuditEvent } from "../../audit/record-audit-event.ts";
import { hitRateLimits } from "../../rate-limit.ts";
import { normalizeEmail } from "../../users/email-address.ts";
import { FORGOT_PASSWORD_QUEUE, type ForgotPasswordJob } from "./forgot-password-queue.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";

export interface RequestPasswordResetInput {
  email: string;
  clientAddress: string;
}

/**
 * "Forgot password" (PRODUCT.md 5.3). The request does the same work whatever was typed: one
 * statement counts both rate limits, then one queues the job (or, when limited, writes an audit
 * row). It never reads the users table, so neither its answer nor its timing can tell whether an
 * account exists; the job looks the address up and sends the email (decision 0007). No
 * transaction: a count without its job (the insert failed) only counts one request too many, as
 * any refused request does.
 */
export async function requestPasswordReset(deps: Pick<Deps, "db" | "clock" | "jobs">, input: RequestPasswordResetInput): Promise<void> {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  const [client, account] = await hitRateLimits(
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
  // Limited: the same answer, and silently nothing sent.
  const limits = [...(client?.allowed ? [] : ["client"]), ...(account?.allowed ? [] : ["account"])];
  await recordAuditEvent(deps.db, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "forgot_password", limits }, at: now });
}
