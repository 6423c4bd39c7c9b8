import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Role } from "./roles.ts";

/** A team member as far as linked-company rules care: who, in which company, with which role. */
export interface Member {
  userId: string;
  companyId: string;
  role: Role;
}

/** Only managers and administrators of a parent can hold (and so receive) a management grant. */
export function mayHoldGrant(role: Role): boolean {
  return role === "administrator" || role === "manager";
}

/**
 * The rule of PRODUCT.md section 3, as one SQL condition on a `companies` row aliased `c`:
 * linked to the member's company, that company a live multi-company profile, and the member
 * either its administrator (implicit access, decision 0008) or a manager holding a grant.
 * The parent is the member's own company, so its check names that row and runs once per statement
 * (a primary-key lookup); correlated to `c.parent_id`, PostgreSQL hashed every live multi-company
 * profile instead, a scan of all companies on each managed-companies page.
 */
export function manageableBy(member: Member): SQL {
  if (!mayHoldGrant(member.role)) return sql`false`;
  const grantClause =
    member.role === "administrator"
      ? sql`true`
      : sql`exists (select 1 from management_grants g where g.company_id = c.id and g.team_member_id = ${member.userId})`;
  return sql`(c.parent_id = ${member.companyId} and c.deleted_at is null
    and exists (select 1 from companies p where p.id = ${member.companyId} and p.is_multi_company and p.deleted_at is null)
    and ${grantClause})`;
}

export async function findManageableCompany(db: Executor, member: Member, companyId: string) {
  const [row] = await queryRows<{ id: string; name: string; grant_id: string | null }>(
    db,
    sql`select c.id, c.name,
          (select g.id from management_grants g where g.company_id = c.id and g.team_member_id = ${member.userId}) as grant_id
        from companies c where c.id = ${companyId} and ${manageableBy(member)}`,
  );
  return row ? { id: row.id, name: row.name, grantId: row.grant_id } : null;
}

/** Where an actor works: their own company, or a linked company they switched into (and by which grant). */
export interface ActingIn {
  companyId: string;
  actingCompanyId: string;
  grantId: string | null;
}

/**
 * For an action taken in a linked company, inside its transaction: re-reads what the actor's
 * authority rests on (the link, and the grant unless it is the parent's administrator) and holds it
 * until the transaction ends. A revocation or un-link at the same moment then either waits and
 * sees what the action produced (and revokes it), or lands first and the action is refused (404).
 */
export async function holdAuthorityInActingCompany(tx: Executor, actor: ActingIn): Promise<void> {
  if (actor.actingCompanyId === actor.companyId) return;
  const grant = actor.grantId ? sql`join management_grants g on g.company_id = c.id and g.id = ${actor.grantId}` : sql``;
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`select c.id from companies c ${grant}
        where c.id = ${actor.actingCompanyId} and c.parent_id = ${actor.companyId} and c.deleted_at is null
        for share`,
  );
  if (rows.length === 0) throw new AppError("NOT_FOUND");
}
