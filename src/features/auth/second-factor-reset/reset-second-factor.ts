import type { Deps } from "../../../deps.ts";
import { assertThat } from "../../../errors.ts";
import { actorKey, type Actor } from "../../access/actor.ts";
import { assertMayResetSecondFactor } from "../../access/authorize.ts";
import { holdAuthorityInActingCompany } from "../../access/linked-company-access.ts";
import { findUserInScope, requireUserInScope } from "../../access/users-in-scope.ts";
import { enforceRateLimits } from "../../rate-limit.ts";
import { askedByOf } from "../password-reset/asked-by.ts";
import { factorSummaryOf, hasAnythingToReset } from "./factor-summary.ts";
import { removeSecondFactors } from "./remove-second-factors.ts";
import { SECOND_FACTOR_RESET_LIMITS, secondFactorResetKeys } from "./second-factor-reset-limits.ts";

/**
 * "Reset two-factor" (issue 18, decision 0039): an administrator or manager (a team member in a
 * linked company, a machine client with its scope) removes another user's second factors, so the
 * user enrols again at their next sign-in. The same rules, confirmation and limits as sending a
 * password reset; the password is never seen or changed.
 */
export async function resetSecondFactor(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, targetUserId: string) {
  const now = deps.clock.now();
  // Scope first: a user outside it answers exactly like a missing one, whatever the actor's role.
  const target = await findUserInScope(deps.db, actor, targetUserId);
  assertThat(target, "NOT_FOUND");
  assertMayResetSecondFactor(actor, target);
  assertThat(target.status === "active", "USER_DEACTIVATED");

  await enforceRateLimits(
    deps.db,
    [
      { key: secondFactorResetKeys.actor(actorKey(actor)), rule: SECOND_FACTOR_RESET_LIMITS.perActor, name: "actor" },
      { key: secondFactorResetKeys.target(target.id), rule: SECOND_FACTOR_RESET_LIMITS.perTarget, name: "target" },
    ],
    { actor, targetUserId: target.id, targetCompanyId: target.companyId, flow: "second_factor_reset" },
    now,
  );

  const resetBy = askedByOf(actor, target.companyName);
  return deps.db.transaction(async (tx) => {
    // The grant checked when the request began may be revoked by now (decision 0008).
    await holdAuthorityInActingCompany(tx, actor);
    // Locked, so two resets at once apply one after the other, and a deactivation meanwhile is seen.
    const user = await requireUserInScope(tx, actor, target.id, { lock: true });
    assertThat(user.status === "active", "USER_DEACTIVATED");
    // Read in the transaction, after the lock: a factor added meanwhile is removed too.
    const summary = await factorSummaryOf(tx, user.id);
    assertThat(hasAnythingToReset(summary), "NOTHING_TO_RESET");
    return removeSecondFactors(tx, deps, { user, resetBy, audit: { actor }, now });
  });
}
