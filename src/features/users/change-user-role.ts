import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import { assertMayChangeRole } from "../access/authorize.ts";
import type { Role } from "../access/roles.ts";
import { recordActionOnUser } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { withdrawAuthorityAfterRoleChange } from "../grants/drop-grants-of-member.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

/**
 * Gives another user a new role, within PRODUCT.md section 2 (rules in access/). The session
 * reads the role on every request, so a lowered role takes effect on the user's next request.
 */
export async function changeUserRole(deps: Pick<Deps, "db" | "clock" | "jobs">, actor: Actor, userId: string, role: Role) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const user = await requireUserInScope(tx, actor, userId, { lock: true });
    assertMayChangeRole(actor, user, role);
    if (user.role === role) return user;
    await tx.update(users).set({ role, updatedAt: now }).where(eq(users.id, user.id));
    const grantsDropped = await withdrawAuthorityAfterRoleChange(tx, user, role, { actor, now });
    // Every token states the old role: the applications sign the user in again.
    await revokeOidcGrants(tx, deps.jobs, { userId: user.id }, "role_changed", now);
    await recordActionOnUser(tx, actor, "user.role_changed", user, { from: user.role, to: role, ...(grantsDropped ? { grantsDropped } : {}) }, now);
    return { ...user, role };
  });
}
