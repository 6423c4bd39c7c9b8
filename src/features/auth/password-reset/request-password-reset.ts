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
 * "Forgot password" (PRODUCT.md 5.3). The request does the same work whatever was typed: two
 * rate-limit counters and one queued job (or, when limited, one audit row), in one transaction.
 * It never reads the users table, so neither its answer nor its timing can tell whether an
 * account exists; the job looks the address up and sends the email (decision 0007).
 */
export async function requestPasswordReset(deps: Pick<Deps, "db" | "clock" | "jobs">, input: RequestPasswordResetInput): Promise<void> {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  await deps.db.transaction(async (tx) => {
    const [client, account] = await hitRateLimits(
      tx,
      [
        { key: resetRateKeys.forgotClient(input.clientAddress), rule: RESET_LIMITS.forgotPerClient },
        { key: resetRateKeys.forgotAccount(email), rule: RESET_LIMITS.forgotPerAccount },
      ],
      now,
    );
    if (client?.allowed && account?.allowed) {
      const job: ForgotPasswordJob = { email, clientAddress: input.clientAddress };
      await deps.jobs.send(tx, FORGOT_PASSWORD_QUEUE, job);
      return;
    }
    // Limited: the same answer, and silently nothing sent.
    const limits = [...(client?.allowed ? [] : ["client"]), ...(account?.allowed ? [] : ["account"])];
    await recordAuditEvent(tx, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "forgot_password", limits }, at: now });
  });
}
