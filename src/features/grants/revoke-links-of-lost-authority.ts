import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";

/**
 * When the authority behind a cross-company reset ends (grant revoked, company un-linked, member
 * lowered below manager or deactivated), the links it produced die too (SECURITY.md principle 3,
 * decision 0008). `memberId` narrows it to one team member's requests; `linkedCompanyId` to the
 * users of one linked company (without it, users of any company but the parent).
 */
export async function revokeLinksOfLostAuthority(
  tx: Executor,
  input: { parentCompanyId: string; linkedCompanyId?: string; memberId?: string; reason: string; now: Date },
): Promise<void> {
  const member = input.memberId ? sql`and t.requested_by_user_id = ${input.memberId}` : sql``;
  const company = input.linkedCompanyId ? sql`u.company_id = ${input.linkedCompanyId}` : sql`u.company_id <> ${input.parentCompanyId}`;
  await tx.execute(sql`
    update link_tokens t set revoked_at = ${input.now}, revoked_reason = ${input.reason}
    from users u
    where u.id = t.user_id and ${company}
      and t.requested_by_company_id = ${input.parentCompanyId} ${member}
      and t.used_at is null and t.superseded_at is null and t.revoked_at is null and t.expires_at > ${input.now}`);
}
