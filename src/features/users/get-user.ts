import type { Deps } from "../../deps.ts";
import { assertCan, can } from "../access/authorize.ts";
import { userPermissions } from "../access/permission-summary.ts";
import type { Actor } from "../access/actor.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";
import { factorSummaryOf } from "../auth/second-factor-reset/factor-summary.ts";

/**
 * A user's page: details, and what the actor may do to them (the buttons the dashboard shows). Their
 * second factors are security data, summarised only for those who may reset them (decision 0039).
 */
export async function getUser(deps: Pick<Deps, "db">, actor: Actor, userId: string) {
  const user = await requireUserInScope(deps.db, actor, userId);
  assertCan(actor, "users.view");
  const secondFactors = can(actor, "users.resetSecondFactor") ? await factorSummaryOf(deps.db, user.id) : null;
  return { user, permissions: userPermissions(actor, user), secondFactors };
}
