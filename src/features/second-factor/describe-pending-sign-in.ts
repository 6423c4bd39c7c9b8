import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { findLiveChallenge } from "./challenges.ts";
import { ENROL_METHODS, secondFactorDemand } from "./demand.ts";
import { FEW_RECOVERY_CODES } from "./recovery-codes.ts";
import type { SecondStepOwed } from "./sign-in.ts";

/**
 * What the page of a half-finished sign-in shows (after a reload too): the step owed, its methods,
 * and the recovery codes left when few are. Anything but a live challenge: SIGN_IN_EXPIRED.
 */
export async function describePendingSignIn(deps: Pick<Deps, "db" | "clock">, challengeToken: string | undefined): Promise<SecondStepOwed & { recoveryCodesLeft: number | null }> {
  const now = deps.clock.now();
  const challenge = await findLiveChallenge(deps.db, challengeToken, "any", now);
  if (!challenge) throw new AppError("SIGN_IN_EXPIRED");
  const demand = await secondFactorDemand(deps.db, challenge.userId, now);
  if (challenge.purpose === "enrol") {
    // The reason as it stands now (a reset outranks a policy, as at the password); a policy turned off since: still the policy's step.
    return { purpose: "enrol", methods: ENROL_METHODS, expiresAt: challenge.expiresAt, reason: demand.kind === "enrol" ? demand.reason : "policy", recoveryCodesLeft: null };
  }
  const methods = demand.kind === "second_factor" ? demand.methods : [];
  const left = demand.kind === "second_factor" ? demand.recoveryCodesLeft : 0;
  return { purpose: "second_factor", methods, expiresAt: challenge.expiresAt, recoveryCodesLeft: left <= FEW_RECOVERY_CODES ? left : null };
}
