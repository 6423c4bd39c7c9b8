import { eq } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { managementGrants } from "../../db/schema.ts";
import type { Role } from "../access/roles.ts";
import { mayHoldGrant } from "../access/linked-company-access.ts";
import { revokeLinksOfLostAuthority } from "./revoke-links-of-lost-authority.ts";

/**
 * A member lowered below manager can hold no grant and manage no linked company. Dropping the
 * grants now, rather than ignoring them, keeps a later promotion from silently bringing old access
 * back; the reset links they sent to linked companies' users die with the authority (decision 0008).
 * Returns how many grants went.
 */
export async function dropGrantsIfRoleCannotHold(tx: Executor, member: { id: string; companyId: string }, role: Role, now: Date): Promise<number> {
  if (mayHoldGrant(role)) return 0;
  await revokeLinksOfLostAuthority(tx, { parentCompanyId: member.companyId, memberId: member.id, reason: "authority_lost", now });
  const removed = await tx.delete(managementGrants).where(eq(managementGrants.teamMemberId, member.id)).returning({ id: managementGrants.id });
  return removed.length;
}
