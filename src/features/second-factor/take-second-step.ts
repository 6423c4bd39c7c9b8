import { sql } from "drizzle-orm";
import { preparedStatement } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { countSignIn } from "../../metrics/metrics.ts";
import { AUDIT_INSERT, auditPlaceholders } from "../audit/record-audit-event.ts";
import { loginSuccessParts, successValues, type SuccessValues } from "../auth/login.ts";
import { CHALLENGE_MAX_FAILURES } from "./challenges.ts";
import { recordSecondFactorChange } from "./record-change.ts";
import { consumeRecoveryCode, recoveryCodesLeft } from "./recovery-codes.ts";
import { finishSignIn, openPendingSignIn, WrongCode, wrongCodeEvent, type PendingSignIn } from "./pending-sign-in.ts";
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

const param = (name: string) => sql.placeholder(name);

/**
 * The second step passed with an authenticator app's code, in one statement (atomic without a
 * transaction, prepared once per connection — issue 18's speed goal): the challenge is locked if
 * still live; the code's step is used only if it is after the last one used (each code once: of
 * two concurrent submissions of one code, through two challenges, the second waits for the first's
 * row and finds its step used); only then is the challenge consumed, the session opened by login's
 * own parts (loginSuccessParts: the login limits settled, the sign-in noted and audited) and the
 * step's failures forgotten. A replayed code leaves the challenge live (its failure is counted
 * after, as a wrong code's is). The answer: whether the challenge was live, and whether it passed.
 */
const passTotpStep = preparedStatement<{ live: boolean; passed: boolean }, SuccessValues & { challengeId: string; step: number; maxFailures: number; limitKey: string }>("second_step_totp", sql`
    with live as materialized (
      select id from sign_in_challenges
      where id = ${param("challengeId")}::uuid and used_at is null and expires_at > ${param("now")}::timestamptz and failures < ${param("maxFailures")}::int
      for update
    ),
    used as materialized (
      update totp_factors set last_used_step = ${param("step")}::bigint
      where user_id = ${param("userId")}::uuid and confirmed_at is not null and (last_used_step is null or last_used_step < ${param("step")}::bigint)
        and exists (select 1 from live)
      returning user_id
    ),
    consumed as materialized (
      update sign_in_challenges set used_at = ${param("now")}::timestamptz
      where id in (select id from live) and exists (select 1 from used)
      returning id
    ),
    ${loginSuccessParts(sql`exists (select 1 from consumed)`)},
    step_forgiven as (
      update rate_limits set count = 0, window_start = 'epoch'::timestamptz
      where key = ${param("limitKey")} and exists (select 1 from consumed)
    )
    select exists (select 1 from live) as live, exists (select 1 from consumed) as passed`);

/**
 * A wrong code, in one statement: counted against the challenge (it dies after a few) if it is still
 * live, and audited. No row when the challenge was no longer live (the caller answers SIGN_IN_EXPIRED,
 * as when it was consumed before the code was checked).
 */
const countWrongCode = preparedStatement<{ id: string }, ReturnType<typeof auditPlaceholders> & { challengeId: string; now: Date; maxFailures: number }>("second_step_wrong_code", sql`
    with counted as materialized (
      update sign_in_challenges set failures = failures + 1
      where id = ${param("challengeId")}::uuid and used_at is null and expires_at > ${param("now")}::timestamptz and failures < ${param("maxFailures")}::int
      returning id
    ),
    audited as (
      ${AUDIT_INSERT}
      where exists (select 1 from counted)
    )
    select id from counted`);

async function refuseWrongCode(deps: Pick<Deps, "db">, pending: PendingSignIn): Promise<never> {
  const { challenge, now } = pending;
  const event = wrongCodeEvent(pending);
  // An audit row of a failure: no webhook event is one (recordWebhookEvents), so it may be written here.
  const counted = await countWrongCode(deps.db, { ...auditPlaceholders(event), challengeId: challenge.id, now, maxFailures: CHALLENGE_MAX_FAILURES });
  if (counted.length === 0) throw new AppError("SIGN_IN_EXPIRED");
  throw new AppError("SECOND_FACTOR_INCORRECT");
}

/**
 * The second step of a sign-in: a code from the authenticator app or a recovery code, checked
 * against the challenge's user — a SHA-256 or an HMAC, never another argon2 (issue 18's speed
 * goal). Success opens the session exactly as a password-only sign-in does. With the app: two
 * statements (openPendingSignIn, passTotpStep), the HMAC between them in Node.
 */
export async function takeSecondStep(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: SecondStepInput): Promise<{ sessionToken: string; recoveryCodesLeft: number | null }> {
  return countedSecondStep(input.method, () => codeStep(deps, input));
}

async function codeStep(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: SecondStepInput): Promise<{ sessionToken: string; recoveryCodesLeft: number | null }> {
  const { pending, sealedTotpSecret } = await openPendingSignIn(deps, { challengeToken: input.challengeToken, purpose: "second_factor", clientAddress: input.clientAddress, userAgent: input.userAgent });
  const { user, now } = pending;
  if (input.method === "totp") {
    const step = sealedTotpSecret === null ? null : matchingStep(openTotpSecret(deps.config, sealedTotpSecret), input.code, now);
    if (step === null) return refuseWrongCode(deps, pending);
    const { sessionToken, values } = successValues(deps, { userId: user.id, companyId: user.companyId, email: user.emailNormalized, clientAddress: pending.clientAddress, userAgent: pending.userAgent, now });
    const [answer] = await passTotpStep(deps.db, { ...values, challengeId: pending.challenge.id, step, maxFailures: CHALLENGE_MAX_FAILURES, limitKey: pending.limitKey });
    if (!answer?.live) throw new AppError("SIGN_IN_EXPIRED");
    if (!answer.passed) return refuseWrongCode(deps, pending);
    countSignIn("success");
    return { sessionToken, recoveryCodesLeft: null };
  }
  return finishSignIn(deps, pending, async (tx) => {
    if (!(await consumeRecoveryCode(tx, user.id, input.code, now))) throw new WrongCode();
    const left = await recoveryCodesLeft(tx, user.id);
    await recordSecondFactorChange(tx, deps, { user, what: { kind: "recovery_code_used", left }, actor: null, clientAddress: input.clientAddress, at: now });
    return { recoveryCodesLeft: left };
  });
}
