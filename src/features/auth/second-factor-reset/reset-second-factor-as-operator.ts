import { eq } from "drizzle-orm";
import type { Deps } from "../../../deps.ts";
import { companies, users } from "../../../db/schema.ts";
import { assertThat } from "../../../errors.ts";
import { normalizeEmail } from "../../email-address.ts";
import { factorSummaryOf, hasAnythingToReset } from "./factor-summary.ts";
import { removeSecondFactors } from "./remove-second-factors.ts";

/**
 * The operator's "Reset two-factor" (CLI), for a locked-out administrator with no other
 * administrator to ask: the same effects as an administrator's (decision 0039), audited with no
 * actor and {"via":"operator"}; the email says the operator did it.
 */
export async function resetSecondFactorAsOperator(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: { email: string }) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, name: users.name, email: users.email, status: users.status, companyId: users.companyId, companyName: companies.name })
      .from(users)
      .innerJoin(companies, eq(companies.id, users.companyId))
      .where(eq(users.emailNormalized, normalizeEmail(input.email)))
      .for("update", { of: users })
      .limit(1);
    assertThat(user, "NOT_FOUND", `No user has the email address ${input.email}.`);
    assertThat(user.status === "active", "USER_DEACTIVATED");
    assertThat(hasAnythingToReset(await factorSummaryOf(tx, user.id)), "NOTHING_TO_RESET");
    const result = await removeSecondFactors(tx, deps, { user, resetBy: { kind: "operator" }, audit: {}, now });
    return { user, ...result };
  });
}
