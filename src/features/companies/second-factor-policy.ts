import type { CompanyProfile } from "./company.queries.ts";

/** A company's second-factor policy as set (decision 0039). */
export interface SecondFactorPolicy {
  /** Since when a second factor is required; null: not required. */
  requiredSince: Date | null;
  /** Days a user without a factor may still sign in once it is required (0–90). */
  graceDays: number;
  passkeySignInAllowed: boolean;
  /** A parent's policy applied to its linked companies. */
  applyToLinked: boolean;
}

/** The company's own policy, and the parent's when the parent applies its policy to it (that one then governs). */
export function policiesOf(company: CompanyProfile): { own: SecondFactorPolicy; fromParent: (SecondFactorPolicy & { companyId: string; companyName: string }) | null } {
  const own = {
    requiredSince: company.secondFactorRequiredAt,
    graceDays: company.secondFactorGraceDays,
    passkeySignInAllowed: company.passkeySignInAllowed,
    applyToLinked: company.secondFactorPolicyForLinked,
  };
  const fromParent =
    company.parentId && company.parentName && company.parentPolicyForLinked
      ? {
          companyId: company.parentId,
          companyName: company.parentName,
          requiredSince: company.parentSecondFactorRequiredAt,
          graceDays: company.parentSecondFactorGraceDays ?? 7,
          passkeySignInAllowed: company.parentPasskeySignInAllowed ?? false,
          applyToLinked: true,
        }
      : null;
  return { own, fromParent };
}
