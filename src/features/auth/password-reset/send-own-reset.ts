import type { Deps } from "../../../deps.ts";
import type { PersonActor } from "../../access/actor.ts";
import { enforceRateLimits } from "../../rate-limit.ts";
import { RESET_LIMITS, resetRateKeys } from "./reset-limits.ts";
import { sendResetLink } from "./send-reset-link.ts";
import { countedReset } from "./reset-metrics.ts";

/** A signed-in user emails themselves a reset link from account settings (PRODUCT.md section 4). */
export function sendOwnReset(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor) {
  return countedReset("self", sendOwnResetLink(deps, actor));
}

async function sendOwnResetLink(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor) {
  const now = deps.clock.now();
  const self = { targetUserId: actor.userId, targetCompanyId: actor.companyId };
  await enforceRateLimits(deps.db, [{ key: resetRateKeys.own(actor.userId), rule: RESET_LIMITS.ownPerUser, name: "user" }], { actor, ...self, flow: "own_reset" }, now);
  return deps.db.transaction((tx) =>
    sendResetLink(tx, deps, {
      recipient: { id: actor.userId, name: actor.name, email: actor.email, companyId: actor.companyId },
      askedBy: { kind: "self" },
      requestedByUserId: actor.userId,
      requestedByCompanyId: actor.companyId,
      grantId: null,
      audit: { actor },
      now,
    }),
  );
}
