import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertMayManageUser } from "../access/authorize.ts";
import { recordActionOnUser } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

/**
 * Brings a deactivated user back without their old password: whoever knew it while the account
 * was off (a former colleague, a leak) cannot use it. The user signs in again only after setting
 * a new password through a reset (decision 0005). Sends nothing by itself. Management grants,
 * dropped by the deactivation, stay gone: an administrator gives them again (decision 0022).
 */
export async function restoreUser(deps: Pick<Deps, "db" | "clock">, actor: Actor, userId: string) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const user = await requireUserInScope(tx, actor, userId, { lock: true });
    assertMayManageUser(actor, user, "users.restore");
    assertThat(user.status === "deactivated", "USER_ALREADY_ACTIVE");
    await tx.update(users).set({ status: "active", deactivatedAt: null, passwordHash: null, updatedAt: now }).where(eq(users.id, user.id));
    await recordActionOnUser(tx, actor, "user.restored", user, { passwordCleared: user.hasPassword }, now);
    return { ...user, status: "active" as const, deactivatedAt: null, hasPassword: false };
  });
}
