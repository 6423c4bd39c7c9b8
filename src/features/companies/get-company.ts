import type { Deps } from "../../deps.ts";
import { assertCan } from "../access/authorize.ts";
import { companyPermissions } from "../access/permission-summary.ts";
import type { Actor } from "../access/actor.ts";
import { requireCompanyInScope } from "./company.queries.ts";

export async function getCompany(deps: Pick<Deps, "db">, actor: Actor) {
  assertCan(actor, "company.view");
  const company = await requireCompanyInScope(deps.db, actor);
  return { company, permissions: companyPermissions(actor) };
}
