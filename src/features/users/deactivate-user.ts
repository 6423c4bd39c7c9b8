import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertMayManageUser } from "../access/authorize.ts";
import { recordActionOnUser } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { revokeLiveLinks } from "../auth/link-tokens.ts";
import { revokeSessionsOfUser } from "../auth/sessions.ts";
import { dropGrantsOfMember } from "../grants/drop-grants-of-member.ts";
import { revokeLinksOfLostAuthority } from "../grants/revoke-links-of-lost-authority.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

/**
 * "Deleting" a user: the row stays (audit history, restore), but the user can no longer sign in,
 * and their sessions and outstanding links die now, in the same transaction (decision 0005).
 */
export async function deactivateUser(deps: Pick<Deps, "db" | "clock" | "jobs">, actor: Actor, userId: string) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const user = await requireUserInScope(tx, actor, userId, { lock: true });
    assertMayManageUser(actor, user, "users.deactivate");
    assertThat(user.status === "active", "USER_ALREADY_DEACTIVATED");
    await tx.update(users).set({ status: "deactivated", deactivatedAt: now, updatedAt: now }).where(eq(users.id, user.id));
    await revokeSessionsOfUser(tx, user.id, now);
    // Applications too: refresh tokens and grants end, and those with a back-channel URI are told.
    await revokeOidcGrants(tx, deps.jobs, { userId: user.id }, "deactivated", now);
    const linksRevoked = await revokeLiveLinks(tx, user.id, "deactivated", now);
    // A deactivated team member's authority over linked companies ends, and so do the links it sent.
    await revokeLinksOfLostAuthority(tx, { parentCompanyId: user.companyId, memberId: user.id, reason: "authority_lost", now });
    // Their grants go too, so a restore does not silently bring the access back (decision 0022).
    const grantsDropped = await dropGrantsOfMember(tx, user, { actor, reason: "deactivated", now });
    await recordActionOnUser(tx, actor, "user.deactivated", user, { linksRevoked, ...(grantsDropped ? { grantsDropped } : {}) }, now);
    return { ...user, status: "deactivated" as const, deactivatedAt: now };
  });
}
