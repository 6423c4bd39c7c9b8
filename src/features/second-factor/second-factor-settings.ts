import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { totpFactors } from "../../db/schema.ts";
import type { PersonActor } from "../access/actor.ts";
import { demandOf, policyDeadline, secondFactorFactsOf } from "./demand.ts";

export interface SecondFactorSettings {
  totp: { status: "off" | "pending" | "on"; since: Date | null };
  /** Unused recovery codes; null while the user has no set. */
  recoveryCodesLeft: number | null;
  /** The company's policy: from when a factor is required (null: not required). */
  requiredFrom: Date | null;
  /** Whether a factor must be set up at the next sign-in, or by requiredFrom. */
  enrolmentOwed: boolean;
}

/** What the account settings' "Two-factor authentication" section shows the signed-in person. */
export async function secondFactorSettings(deps: Pick<Deps, "db" | "clock">, actor: PersonActor): Promise<SecondFactorSettings> {
  const facts = (await secondFactorFactsOf(deps.db, [actor.userId])).get(actor.userId);
  const [totp] = await deps.db.select({ confirmedAt: totpFactors.confirmedAt, createdAt: totpFactors.createdAt }).from(totpFactors).where(eq(totpFactors.userId, actor.userId));
  const demand = facts ? demandOf(facts, deps.clock.now()) : { kind: "none" as const };
  const hasCodes = facts ? facts.recoveryCodesLeft > 0 || facts.hasTotp || facts.hasPasskey : false;
  return {
    totp: !totp ? { status: "off", since: null } : totp.confirmedAt ? { status: "on", since: totp.confirmedAt } : { status: "pending", since: null },
    recoveryCodesLeft: hasCodes ? (facts?.recoveryCodesLeft ?? 0) : null,
    requiredFrom: facts ? policyDeadline(facts.policies) : null,
    enrolmentOwed: demand.kind === "enrol" || demand.kind === "grace",
  };
}
