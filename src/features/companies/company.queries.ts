import { eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.ts";
import { companies } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { companyInScope, type ScopeActor } from "../access/company-scope.ts";

const parent = alias(companies, "parent");

/** The acting company's profile, or NOT_FOUND (deleted meanwhile). `lock` serialises concurrent edits. */
export async function requireCompanyInScope(db: Executor, actor: ScopeActor, options: { lock?: boolean } = {}) {
  const query = db
    .select({
      id: companies.id,
      name: companies.name,
      contactEmail: companies.contactEmail,
      phone: companies.phone,
      address: companies.address,
      createdAt: companies.createdAt,
      isMultiCompany: companies.isMultiCompany,
      parentId: parent.id,
      parentName: parent.name,
      secondFactorRequiredAt: companies.secondFactorRequiredAt,
      secondFactorGraceDays: companies.secondFactorGraceDays,
      secondFactorPolicyForLinked: companies.secondFactorPolicyForLinked,
      passkeySignInAllowed: companies.passkeySignInAllowed,
      // The parent's policy, which a linked company follows while the parent applies it (decision 0039).
      parentPolicyForLinked: parent.secondFactorPolicyForLinked,
      parentSecondFactorRequiredAt: parent.secondFactorRequiredAt,
      parentSecondFactorGraceDays: parent.secondFactorGraceDays,
      parentPasskeySignInAllowed: parent.passkeySignInAllowed,
    })
    .from(companies)
    .leftJoin(parent, eq(parent.id, companies.parentId))
    .where(companyInScope(actor))
    .limit(1);
  const [row] = options.lock ? await query.for("update", { of: companies }) : await query;
  assertThat(row, "NOT_FOUND");
  return row;
}

export type CompanyProfile = Awaited<ReturnType<typeof requireCompanyInScope>>;
