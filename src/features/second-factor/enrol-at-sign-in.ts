import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { findLiveChallenge } from "./challenges.ts";
import { finishSignIn, pendingSignIn, WrongCode } from "./pending-sign-in.ts";
import { confirmTotpEnrolment, startTotpEnrolment, type TotpEnrolment } from "./totp-enrolment.ts";
import { eq } from "drizzle-orm";
import { users } from "../../db/schema.ts";

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
    const confirmed = await confirmTotpEnrolment(tx, deps, { user: pending.user, code: input.code, actor: null, clientAddress: input.clientAddress, now: pending.now });
    if (!confirmed) throw new WrongCode();
    return confirmed;
  });
}
