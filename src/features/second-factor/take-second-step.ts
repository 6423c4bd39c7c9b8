import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { totpFactors } from "../../db/schema.ts";
import { recordSecondFactorChange } from "./record-change.ts";
import { consumeRecoveryCode, recoveryCodesLeft } from "./recovery-codes.ts";
import { finishSignIn, pendingSignIn, WrongCode } from "./pending-sign-in.ts";
import { countedSecondStep } from "./second-step-metrics.ts";
import { matchingStep } from "./totp.ts";
import { openTotpSecret } from "./totp-enrolment.ts";

/** The methods this step checks itself; a passkey's assertion has its own route (it needs a ceremony). */
export type CodeMethod = "totp" | "recovery_code";

export interface SecondStepInput {
  challengeToken: string | undefined;
  method: CodeMethod;
  code: string;
  clientAddress: string;
  userAgent: string | undefined;
}

/**
 * The second step of a sign-in: a code from the authenticator app or a recovery code, checked
 * against the challenge's user — a SHA-256 or an HMAC, never another argon2 (issue 18's speed
 * goal). Success opens the session exactly as a password-only sign-in does.
 */
export async function takeSecondStep(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: SecondStepInput): Promise<{ sessionToken: string; recoveryCodesLeft: number | null }> {
  return countedSecondStep(input.method, () => codeStep(deps, input));
}

async function codeStep(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: SecondStepInput): Promise<{ sessionToken: string; recoveryCodesLeft: number | null }> {
  const pending = await pendingSignIn(deps, { challengeToken: input.challengeToken, purpose: "second_factor", clientAddress: input.clientAddress, userAgent: input.userAgent });
  const { user, now } = pending;
  if (input.method === "totp") {
    const [factor] = await deps.db.select({ secret: totpFactors.secret }).from(totpFactors).where(and(eq(totpFactors.userId, user.id), isNotNull(totpFactors.confirmedAt)));
    const step = factor ? matchingStep(openTotpSecret(deps.config, factor.secret), input.code, now) : null;
    return finishSignIn(deps, pending, async (tx) => {
      if (step === null) throw new WrongCode();
      // Each code once: the step moves forward only, in one conditional statement — of two
      // concurrent submissions of one code (through two challenges) only one finds it still unused.
      const used = await tx
        .update(totpFactors)
        .set({ lastUsedStep: step })
        .where(and(eq(totpFactors.userId, user.id), isNotNull(totpFactors.confirmedAt), or(isNull(totpFactors.lastUsedStep), lt(totpFactors.lastUsedStep, step))))
        .returning({ userId: totpFactors.userId });
      if (used.length === 0) throw new WrongCode();
      return { recoveryCodesLeft: null };
    });
  }
  return finishSignIn(deps, pending, async (tx) => {
    if (!(await consumeRecoveryCode(tx, user.id, input.code, now))) throw new WrongCode();
    const left = await recoveryCodesLeft(tx, user.id);
    await recordSecondFactorChange(tx, deps, { user, what: { kind: "recovery_code_used", left }, actor: null, clientAddress: input.clientAddress, at: now });
    return { recoveryCodesLeft: left };
  });
}
