import type { Deps } from "../../../deps.ts";
import { assertThat } from "../../../errors.ts";
import { assertMayTriggerReset } from "../../access/authorize.ts";
import { holdAuthorityInActingCompany } from "../../access/linked-company-access.ts";
import { actorKey, type Actor } from "../../access/actor.ts";
import { findUserInScope } from "../../access/users-in-scope.ts";
import { enforceRateLimits } from "../../rate-limit.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";
import { sendResetLink } from "./send-reset-link.ts";
import { countedReset, resetOriginOf } from "./reset-metrics.ts";
import { askedByOf } from "./asked-by.ts";

/**
 * An administrator or manager sends another user of the acting company a reset link (PRODUCT.md
 * 5.1 and 5.2). The actor never sees the link: it goes to the address stored on the account.
 */
export function triggerPasswordReset(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, targetUserId: string) {
  return countedReset(resetOriginOf(actor), sendTriggeredReset(deps, actor, targetUserId));
}

async function sendTriggeredReset(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, targetUserId: string) {
  const now = deps.clock.now();
  // Scope first: a user outside it answers exactly like a missing one, whatever the actor's role.
  const target = await findUserInScope(deps.db, actor, targetUserId);
  assertThat(target, "NOT_FOUND");
  assertMayTriggerReset(actor, { id: target.id, role: target.role });
  assertThat(target.status === "active", "USER_DEACTIVATED");

  await enforceRateLimits(
    deps.db,
    [
      { key: resetRateKeys.triggerActor(actorKey(actor)), rule: RESET_LIMITS.triggerPerActor, name: "actor" },
      { key: resetRateKeys.triggerTarget(target.id), rule: RESET_LIMITS.triggerPerTarget, name: "target" },
    ],
    { actor, targetUserId: target.id, targetCompanyId: target.companyId, flow: "trigger_reset" },
    now,
  );

  const askedBy = askedByOf(actor, target.companyName);
  return deps.db.transaction(async (tx) => {
    // The grant (or link) checked when the request began may be revoked by now; a link sent through
    // a revoked grant must not outlive it (decision 0008).
    await holdAuthorityInActingCompany(tx, actor);
    return sendResetLink(tx, deps, {
      recipient: target,
      askedBy,
      requestedByUserId: actor.userId,
      requestedByCompanyId: actor.companyId,
      requestedByClient: actor.client,
      grantId: actor.grantId,
      audit: { actor },
      now,
    });
  });
}
