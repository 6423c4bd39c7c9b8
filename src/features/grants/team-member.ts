import { and, eq } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import { findManageableCompany } from "../access/linked-company-access.ts";
import type { Actor } from "../access/actor.ts";

/**
 * The checks every grant change shares: the actor manages grants in their own company, the
 * member is a user of that company, and the actor can manage the linked company themselves.
 * Out of scope and missing both answer 404.
 */
export async function resolveGrantChange(db: Executor, actor: Actor, memberId: string, companyId: string) {
  assertThat(actor.actingCompanyId === actor.companyId, "NOT_FOUND");
  const [member] = await db
    .select({ id: users.id, name: users.name, role: users.role, status: users.status })
    .from(users)
    .where(and(eq(users.id, memberId), eq(users.companyId, actor.companyId)))
    .limit(1);
  assertThat(member, "NOT_FOUND");
  assertCan(actor, "grants.manage");
  const company = await findManageableCompany(db, { userId: actor.userId, companyId: actor.companyId, role: actor.role }, companyId);
  assertThat(company, "NOT_FOUND");
  return { member, company };
}
