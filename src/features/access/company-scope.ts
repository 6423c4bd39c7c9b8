import { eq, sql, type SQL } from "drizzle-orm";
import { companies, users } from "../../db/schema.ts";
import type { Actor } from "./actor.ts";

/** What the scope needs to know about the actor, resolved afresh from the session on every request. */
export type ScopeActor = Pick<Actor, "userId" | "companyId" | "actingCompanyId" | "grantId">;

/**
 * The one decision about whose users an actor may see and act on. Every users query puts this
 * condition in its WHERE clause, so a user outside the scope is simply not found: out of scope
 * and missing both answer 404, and no use case can forget the check.
 *
 * Today the scope is the acting company: the session lookup has already dropped a switch into a
 * linked company the actor may no longer manage (see features/auth/sessions.ts). Wider scopes
 * (linked companies under a management grant) extend this function and nothing else.
 */
export function usersInScope(actor: ScopeActor): SQL {
  return eq(users.companyId, actingCompanyOf(actor));
}

/** The company profile the actor works on; a deleted company is never in scope. */
export function companyInScope(actor: ScopeActor): SQL {
  return sql`${companies.id} = ${actingCompanyOf(actor)} and ${companies.deletedAt} is null`;
}

/** The company new users are created in. */
export function actingCompanyOf(actor: ScopeActor): string {
  return actor.actingCompanyId;
}
