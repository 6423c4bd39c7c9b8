import type { Deps } from "../../deps.ts";
import { assertCan } from "../access/authorize.ts";
import { userPermissions } from "../access/permission-summary.ts";
import type { Actor } from "../access/actor.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

/** A user's page: details, and what the actor may do to them (the buttons the dashboard shows). */
export async function getUser(deps: Pick<Deps, "db">, actor: Actor, userId: string) {
  const user = await requireUserInScope(deps.db, actor, userId);
  assertCan(actor, "users.view");
  return { user, permissions: userPermissions(actor, user) };
}
