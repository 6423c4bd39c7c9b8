import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { companies } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import { companyPermissions } from "../access/permission-summary.ts";
import type { Actor } from "../access/actor.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { requireCompanyInScope } from "./company.queries.ts";

export interface SecondFactorPolicyInput {
  required: boolean;
  graceDays: number;
  passkeySignInAllowed: boolean;
  /** Only a multi-company profile may apply its policy to its linked companies. */
  applyToLinked: boolean;
}

/**
 * An administrator sets the acting company's second-factor policy (issue 18, decision 0039).
 * Turning "required" on records when, and keeps that time while it stays on, so the grace period
 * does not restart each time the form is saved; off clears it. Enforcing it at sign-in is the
 * sign-in step's (decision 0035). A change writes one audit row naming the values before and after.
 */
export async function setSecondFactorPolicy(deps: Pick<Deps, "db" | "clock">, actor: Actor, input: SecondFactorPolicyInput) {
  const now = deps.clock.now();
  const company = await deps.db.transaction(async (tx) => {
    const current = await requireCompanyInScope(tx, actor, { lock: true });
    assertCan(actor, "company.setSecondFactorPolicy");
    assertThat(!input.applyToLinked || current.isMultiCompany, "POLICY_FOR_LINKED_NOT_MULTI_COMPANY");
    const before = policyWords(current);
    const changes = {
      secondFactorRequiredAt: input.required ? (current.secondFactorRequiredAt ?? now) : null,
      secondFactorGraceDays: input.graceDays,
      passkeySignInAllowed: input.passkeySignInAllowed,
      secondFactorPolicyForLinked: input.applyToLinked,
    };
    const next = { ...current, ...changes };
    const after = policyWords(next);
    if (JSON.stringify(before) === JSON.stringify(after)) return current;
    await tx.update(companies).set({ ...changes, updatedAt: now }).where(eq(companies.id, current.id));
    await recordAuditEvent(tx, { action: "company.second_factor_policy_changed", actor, targetCompanyId: current.id, details: { before, after }, at: now });
    return next;
  });
  return { company, permissions: companyPermissions(actor) };
}

function policyWords(company: { secondFactorRequiredAt: Date | null; secondFactorGraceDays: number; passkeySignInAllowed: boolean; secondFactorPolicyForLinked: boolean }) {
  return {
    required: company.secondFactorRequiredAt !== null,
    graceDays: company.secondFactorGraceDays,
    passkeySignInAllowed: company.passkeySignInAllowed,
    applyToLinked: company.secondFactorPolicyForLinked,
  };
}
