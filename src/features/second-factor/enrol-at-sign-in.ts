import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { findLiveChallenge } from "./challenges.ts";
import { finishSignIn, pendingSignIn, WrongCode } from "./pending-sign-in.ts";
import { confirmTotpEnrolment, startTotpEnrolment, type TotpEnrolment } from "./totp-enrolment.ts";
import { and, eq, isNotNull } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { passkeys, totpFactors, users } from "../../db/schema.ts";

/**
 * A sign-in that owes an enrolment (an administrator's reset, or the company's policy past its grace
 * period): the user sets up an authenticator app under the challenge, before any session.
 */
export async function startEnrolmentAtSignIn(deps: Pick<Deps, "db" | "clock" | "config">, challengeToken: string | undefined): Promise<TotpEnrolment> {
  const challenge = await findLiveChallenge(deps.db, challengeToken, "enrol", deps.clock.now());
  if (!challenge) throw new AppError("SIGN_IN_EXPIRED");
  const [user] = await deps.db.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, challenge.userId));
  if (!user) throw new AppError("SIGN_IN_EXPIRED");
  return startTotpEnrolment(deps, user);
}

/** Its first code confirms the app and finishes the sign-in; the recovery codes are shown once, now. */
export async function confirmEnrolmentAtSignIn(
  deps: Pick<Deps, "db" | "clock" | "config" | "jobs">,
  input: { challengeToken: string | undefined; code: string; clientAddress: string; userAgent: string | undefined },
): Promise<{ sessionToken: string; recoveryCodes: string[] }> {
  const pending = await pendingSignIn(deps, { ...input, purpose: "enrol" });
  return finishSignIn(deps, pending, async (tx) => {
    await assertNoFactorYet(tx, pending.user.id);
    const confirmed = await confirmTotpEnrolment(tx, deps, { user: pending.user, code: input.code, actor: null, clientAddress: input.clientAddress, now: pending.now });
    if (!confirmed) throw new WrongCode();
    return confirmed;
  });
}

/**
 * An enrolment step sets up a user's first factor, never another one: a user who got a factor since
 * the password (in another browser, with another half-finished sign-in, or in a session from before
 * the policy's deadline) owes the second step instead, or anyone holding only the password could add
 * a factor of their own. Checked under the user's row lock (the lock passkeys take), inside the
 * finishing transaction; refused as SIGN_IN_EXPIRED — signing in again asks for the factor now held.
 */
export async function assertNoFactorYet(tx: Executor, userId: string): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
  const [totp] = await tx.select({ userId: totpFactors.userId }).from(totpFactors).where(and(eq(totpFactors.userId, userId), isNotNull(totpFactors.confirmedAt))).limit(1);
  const [passkey] = await tx.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).limit(1);
  if (totp || passkey) throw new AppError("SIGN_IN_EXPIRED");
}
