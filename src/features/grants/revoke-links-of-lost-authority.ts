import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { manageableBy, type Member } from "../access/linked-company-access.ts";

/**
 * When the authority behind a cross-company reset ends (grant revoked, company un-linked, member
 * lowered or deactivated), the links it produced die too (SECURITY.md principle 3, decision 0008).
 * `memberId` narrows it to one team member's requests; `linkedCompanyId` to the users of one linked
 * company (without it, users of any company but the parent). `keepWhereManageableBy` spares the
 * companies the member, as they are now, still manages (the rule of access/, not written again here):
 * an administrator lowered to manager keeps the links sent where they hold a grant.
 */
export async function revokeLinksOfLostAuthority(
  tx: Executor,
  input: { parentCompanyId: string; linkedCompanyId?: string; memberId?: string; keepWhereManageableBy?: Member; reason: string; now: Date },
): Promise<void> {
  const member = input.memberId ? sql`and t.requested_by_user_id = ${input.memberId}` : sql``;
  const company = input.linkedCompanyId ? sql`u.company_id = ${input.linkedCompanyId}` : sql`u.company_id <> ${input.parentCompanyId}`;
  const kept = input.keepWhereManageableBy
    ? sql`and not exists (select 1 from companies c where c.id = u.company_id and ${manageableBy(input.keepWhereManageableBy)})`
    : sql``;
  await tx.execute(sql`
    update link_tokens t set revoked_at = ${input.now}, revoked_reason = ${input.reason}
    from users u
    where u.id = t.user_id and ${company}
      and t.requested_by_company_id = ${input.parentCompanyId} ${member} ${kept}
      and t.used_at is null and t.superseded_at is null and t.revoked_at is null and t.expires_at > ${input.now}`);
}
