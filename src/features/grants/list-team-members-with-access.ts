import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import type { Actor } from "../access/actor.ts";

/**
 * A linked company's "team members with access" tab: every native user of its parent, and
 * whether they can manage this company now. Empty for a company that is not linked.
 */
export async function listTeamMembersWithAccess(db: Executor, actor: Actor) {
  const rows = await queryRows<{ id: string; name: string; email: string; role: string; status: string; has_grant: boolean; parent_name: string }>(
    db,
    sql`select u.id, u.name, u.email, u.role, u.status, p.name as parent_name,
          exists (select 1 from management_grants g where g.company_id = c.id and g.team_member_id = u.id) as has_grant
        from companies c
        join companies p on p.id = c.parent_id and p.is_multi_company and p.deleted_at is null
        join users u on u.company_id = p.id
        where c.id = ${actor.actingCompanyId} and c.deleted_at is null
        order by u.name_sort, u.id
        limit 1000`,
  );
  return {
    parent: rows[0] ? { name: rows[0].parent_name } : null,
    members: rows.map((r) => {
      const active = r.status === "active";
      const access = active && (r.role === "administrator" || (r.role === "manager" && r.has_grant === true));
      return {
        id: r.id,
        name: r.name,
        email: r.email,
        role: r.role,
        hasAccess: access,
        via: !access ? null : r.role === "administrator" ? ("administrator" as const) : ("grant" as const),
      };
    }),
  };
}
