import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertCan, can } from "../access/authorize.ts";
import { manageableBy, mayHoldGrant } from "../access/linked-company-access.ts";
import type { Actor } from "../access/actor.ts";

/**
 * A team member's "managed companies" tab: every linked company of their company, whether they
 * hold a grant for it, and whether the viewer may give or take that grant.
 */
export async function listMemberGrants(db: Executor, actor: Actor, memberId: string) {
  assertThat(actor.actingCompanyId === actor.companyId, "NOT_FOUND");
  const [member] = await db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(and(eq(users.id, memberId), eq(users.companyId, actor.companyId)))
    .limit(1);
  assertThat(member, "NOT_FOUND");
  // Every role may; a machine client only with a scope that reads users (decision 0028).
  assertCan(actor, "users.view");
  const viewer = { userId: actor.userId, companyId: actor.companyId, role: actor.role };
  const mayChange = can(actor, "grants.manage") && member.id !== actor.userId && mayHoldGrant(member.role);
  const rows = await queryRows<{ id: string; name: string; granted: boolean; viewer_manages: boolean }>(
    db,
    sql`select c.id, c.name,
          exists (select 1 from management_grants g where g.company_id = c.id and g.team_member_id = ${member.id}) as granted,
          ${manageableBy(viewer)} as viewer_manages
        from companies c
        where c.parent_id = ${actor.companyId} and c.deleted_at is null
        order by lower(c.name), c.id
        limit 1000`,
  );
  return {
    memberRole: member.role,
    // Administrators of the parent manage every linked company without a grant (decision 0008).
    implicitAccess: member.role === "administrator",
    companies: rows.map((r) => ({ id: r.id, name: r.name, granted: r.granted === true, canChange: mayChange && r.viewer_manages === true })),
  };
}
