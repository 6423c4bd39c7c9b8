import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { assertThat } from "../../errors.ts";
import type { Role } from "./roles.ts";

/** A team member as far as linked-company rules care: who, in which company, with which role. */
export interface Member {
  /** Null for a machine client, which acts as its company's administrator and holds no grant (decision 0030). */
  userId: string | null;
  companyId: string;
  role: Role;
}

/** The same, as columns of a statement that reads the member from its own rows (the session lookup). */
export interface MemberColumns {
  userId: SQL;
  companyId: SQL;
  role: SQL;
}

/** Only managers and administrators of a parent can hold (and so receive) a management grant. */
export function mayHoldGrant(role: Role): boolean {
  return role === "administrator" || role === "manager";
}

/**
 * The rule of PRODUCT.md section 3 — the one definition of "may this member act in that linked
 * company" — as an SQL condition on the `companies` row `company`: linked to the member's company,
 * that company a live multi-company profile, and the member either its administrator (implicit
 * access, decision 0008) or a manager holding a grant. Every caller builds its condition here: the
 * managed-companies page, grants, the switch, the session lookup (for a member read from the row),
 * the re-check inside a cross-company action, and the links that die with lost authority.
 *
 * The parent is the member's own company, so its check names that row (a primary-key lookup); correlated
 * to the company's parent_id, PostgreSQL hashed every live multi-company profile instead.
 */
export function linkedCompanyRule(company: SQL, member: Member | MemberColumns): SQL {
  const grant = sql`exists (select 1 from management_grants g where g.company_id = ${company}.id and g.team_member_id = ${member.userId})`;
  let authority: SQL;
  if (typeof member.role === "string") {
    // A role known here: the condition the planner gets is already the role's.
    if (!mayHoldGrant(member.role)) return sql`false`;
    authority = member.role === "administrator" ? sql`true` : grant;
  } else {
    authority = sql`(${member.role} = 'administrator' or (${member.role} = 'manager' and ${grant}))`;
  }
  return sql`(${company}.parent_id = ${member.companyId} and ${company}.deleted_at is null
    and exists (select 1 from companies p where p.id = ${member.companyId} and p.is_multi_company and p.deleted_at is null)
    and ${authority})`;
}

/** The rule on a `companies` row aliased `c`. */
export function manageableBy(member: Member): SQL {
  return linkedCompanyRule(sql`c`, member);
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

/**
 * The parent's side of linked companies (managed companies page, its CSV) starts here: the actor's
 * own company must be a live multi-company profile, or NOT_MULTI_COMPANY. Returns its allowance of
 * linked companies its administrators may create.
 */
export async function requireMultiCompanyProfile(db: Executor, actor: { companyId: string }): Promise<{ id: string; linkedAllowance: number }> {
  const [row] = await queryRows<{ id: string; linked_allowance: number }>(
    db,
    sql`select id, linked_allowance from companies where id = ${actor.companyId} and is_multi_company and deleted_at is null`,
  );
  assertThat(row, "NOT_MULTI_COMPANY");
  return { id: row.id, linkedAllowance: Number(row.linked_allowance) };
}

/** Where an actor works: their own company, or a linked company they switched into (and by which grant). */
export interface ActingIn {
  userId: string | null;
  role: Role;
  companyId: string;
  actingCompanyId: string;
  grantId: string | null;
}

/**
 * For an action taken in a linked company, inside its transaction: checks the rule again and holds
 * what the actor's authority rests on (the company row, and the grant unless it is the parent's
 * administrator) until the transaction ends. A revocation or un-link at the same moment then either
 * waits and sees what the action produced (and revokes it), or lands first and the action is refused (404).
 */
export async function holdAuthorityInActingCompany(tx: Executor, actor: ActingIn): Promise<void> {
  if (actor.actingCompanyId === actor.companyId) return;
  const grant = actor.grantId ? sql`join management_grants held on held.company_id = c.id and held.id = ${actor.grantId}` : sql``;
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`select c.id from companies c ${grant}
        where c.id = ${actor.actingCompanyId} and ${manageableBy({ userId: actor.userId, companyId: actor.companyId, role: actor.role })}
        for share`,
  );
  assertThat(rows.length > 0, "NOT_FOUND");
}
