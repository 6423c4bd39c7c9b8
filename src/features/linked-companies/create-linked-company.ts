import type { Deps } from "../../deps.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import type { PersonActor } from "../access/actor.ts";
import { createCompanyWithAdmin } from "../companies/create-company-with-admin.ts";
import { countCompaniesCreatedByParent, findLiveCompany } from "./linked-companies.queries.ts";

export interface CreateLinkedCompanyInput {
  name: string;
  adminName: string;
  adminEmail: string;
}

/**
 * A parent's administrator opens a new linked company within the allowance the operator set.
 * Its administrator is a new native user of that company, invited by email.
 */
export async function createLinkedCompany(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, input: CreateLinkedCompanyInput) {
  assertCan(actor, "linkedCompanies.create");
  const parent = await findLiveCompany(deps.db, actor.companyId);
  assertThat(parent?.isMultiCompany, "NOT_MULTI_COMPANY");
  // Checked before the insert; two administrators racing for the last slot may both pass, which
  // overshoots the allowance by one at worst — acceptable for a commercial limit, not a security one.
  // Only the companies it created itself count: those the operator linked are outside the allowance.
  assertThat((await countCompaniesCreatedByParent(deps.db, parent.id)) < parent.linkedAllowance, "LINKED_ALLOWANCE_EXHAUSTED");
  const created = await createCompanyWithAdmin(deps, {
    companyName: input.name,
    adminName: input.adminName,
    adminEmail: input.adminEmail,
    parentId: parent.id,
    invitedBy: { userId: actor.userId, name: actor.name, companyId: actor.companyId },
  });
  return { id: created.company.id, name: created.company.name };
}
