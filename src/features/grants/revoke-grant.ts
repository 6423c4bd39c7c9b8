import { and, eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { managementGrants } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { revokeLinksOfLostAuthority } from "./revoke-links-of-lost-authority.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { resolveGrantChange } from "./team-member.ts";

/**
 * Takes a grant away. Effective on the member's next request: their session lookup no longer
 * finds the grant. Reset links they sent through it die too (decision 0008).
 */
export async function revokeGrant(deps: Pick<Deps, "db" | "clock" | "jobs">, actor: Actor, memberId: string, companyId: string) {
  const { member, company } = await resolveGrantChange(deps.db, actor, memberId, companyId);
  assertThat(member.id !== actor.userId, "CANNOT_ACT_ON_SELF");
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const removed = await tx
      .delete(managementGrants)
      .where(and(eq(managementGrants.teamMemberId, member.id), eq(managementGrants.companyId, company.id)))
      .returning({ id: managementGrants.id });
    if (removed.length === 0) return;
    await revokeLinksOfLostAuthority(tx, { parentCompanyId: actor.companyId, linkedCompanyId: company.id, memberId: member.id, reason: "grant_revoked", now });
    // Applications signed in to that company through the grant: gone unless the member still may act there.
    await revokeOidcGrants(tx, deps.jobs, { withoutAuthority: { userId: member.id, actingCompanyId: company.id } }, "grant_revoked", now);
    await recordAuditEvent(tx, {
      action: "grant.revoked",
      actor,
      targetUserId: member.id,
      targetCompanyId: company.id,
      details: { grantId: removed[0]?.id, memberName: member.name, companyName: company.name },
      at: now,
    });
  });
}
