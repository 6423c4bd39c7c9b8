import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import type { Role } from "../access/roles.ts";
import { mayHoldGrant } from "../access/linked-company-access.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { revokeLinksOfLostAuthority } from "./revoke-links-of-lost-authority.ts";

export interface TeamMember {
  id: string;
  name: string;
  companyId: string;
}

/** Who took the authority away: a signed-in administrator or manager, or the operator (null). */
interface Removal {
  actor: Actor | null;
  reason: "role_lowered" | "deactivated";
  now: Date;
}

/**
 * Deletes every grant of the member, each audited as `grant.revoked` with why. Deleting rather than
 * ignoring them keeps a later promotion or restore from silently bringing old access back
 * (decisions 0008, 0022). Returns how many grants went.
 */
export async function dropGrantsOfMember(tx: Executor, member: TeamMember, removal: Removal): Promise<number> {
  const removed = await queryRows<{ id: string; company_id: string; company_name: string }>(
    tx,
    sql`delete from management_grants g using companies c
        where g.team_member_id = ${member.id} and c.id = g.company_id
        returning g.id, g.company_id, c.name as company_name`,
  );
  for (const grant of removed) {
    await recordAuditEvent(tx, {
      action: "grant.revoked",
      actor: removal.actor,
      targetUserId: member.id,
      targetCompanyId: grant.company_id,
      details: { grantId: grant.id, memberName: member.name, companyName: grant.company_name, reason: removal.reason },
      at: removal.now,
    });
  }
  return removed.length;
}

/**
 * After a member's role changed: the reset links they sent into linked companies that the new role
 * no longer lets them manage die (an administrator lowered to manager keeps those where they hold a
 * grant), and a role that can hold no grant loses them all. Returns how many grants went.
 */
export async function withdrawAuthorityAfterRoleChange(tx: Executor, member: TeamMember, role: Role, removal: Omit<Removal, "reason">): Promise<number> {
  await revokeLinksOfLostAuthority(tx, {
    parentCompanyId: member.companyId,
    memberId: member.id,
    keepWhereManageableBy: { userId: member.id, companyId: member.companyId, role },
    reason: "authority_lost",
    now: removal.now,
  });
  if (mayHoldGrant(role)) return 0;
  return dropGrantsOfMember(tx, member, { ...removal, reason: "role_lowered" });
}
