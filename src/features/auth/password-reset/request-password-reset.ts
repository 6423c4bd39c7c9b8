import type { Deps } from "../../../deps.ts";
import { normalizeEmail } from "../../email-address.ts";
import { insertForgotPasswordRequest } from "./forgot-password-requests.queries.ts";
import { countReset } from "../../../metrics/metrics.ts";
import { countRateLimitRefusals } from "../../rate-limit.ts";

export interface RequestPasswordResetInput {
  email: string;
  clientAddress: string;
}

/**
 * "Forgot password" (PRODUCT.md 5.3). The request does the same work whatever was typed: one
 * INSERT of the request, committed before the answer, so it survives a crash (decision 0034). It
 * never reads the users table or the limits, so neither its answer nor its timing can tell whether
 * an account exists or is limited; the worker counts the per-client and per-address limits, looks
 * the address up and sends the email (decisions 0007, 0034). The guard in front, in memory, only
 * stops a client far over its limit from adding a row per request (decision 0026).
 */
export async function requestPasswordReset(deps: Pick<Deps, "db" | "clock" | "forgotPasswordGuard">, input: RequestPasswordResetInput): Promise<void> {
  const now = deps.clock.now();
  if (!deps.forgotPasswordGuard.admit(input.clientAddress, now)) {
    countReset("forgot_password", "limited");
    countRateLimitRefusals(["forgot_password:guard"]);
    return;
  }
  await insertForgotPasswordRequest(deps.db, { email: normalizeEmail(input.email), clientAddress: input.clientAddress, requestedAt: now });
}
