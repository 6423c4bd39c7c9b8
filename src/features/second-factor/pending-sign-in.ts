import { eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { rateLimits, users } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { completeLogin } from "../auth/login.ts";
import { enforceRateLimits, type RateRule } from "../rate-limit.ts";
import { consumeChallenge, countChallengeFailure, findLiveChallenge, type ChallengePurpose, type LiveChallenge } from "./challenges.ts";
import type { ChangedUser } from "./record-change.ts";

/** Codes tried for one account from one client, like the password's limit (login.ts LOGIN_LIMITS.accountClient). */
export const SECOND_STEP_LIMIT: RateRule = { limit: 10, windowMs: 15 * 60_000 };

export interface PendingSignIn {
  challenge: LiveChallenge;
  user: ChangedUser & { emailNormalized: string };
  clientAddress: string;
  userAgent: string | undefined;
  now: Date;
  limitKey: string;
}

/**
 * The half-finished sign-in behind a cookie, with its attempt counted (before any code is checked,
 * so parallel guesses cannot all pass the limit). No cookie, an unknown, expired, used or dead
 * challenge: one answer, SIGN_IN_EXPIRED.
 */
export async function pendingSignIn(
  deps: Pick<Deps, "db" | "clock">,
  input: { challengeToken: string | undefined; purpose: ChallengePurpose; clientAddress: string; userAgent: string | undefined },
): Promise<PendingSignIn> {
  const now = deps.clock.now();
  const challenge = await findLiveChallenge(deps.db, input.challengeToken, input.purpose, now);
  if (!challenge) throw new AppError("SIGN_IN_EXPIRED");
  const [user] = await deps.db
    .select({ id: users.id, name: users.name, email: users.email, emailNormalized: users.emailNormalized, companyId: users.companyId })
    .from(users)
    .where(eq(users.id, challenge.userId));
  if (!user) throw new AppError("SIGN_IN_EXPIRED");
  const limitKey = `second-factor:account-client:${user.id}:${input.clientAddress}`;
  await enforceRateLimits(
    deps.db,
    [{ key: limitKey, rule: SECOND_STEP_LIMIT, name: "account_client" }],
    { targetUserId: user.id, targetCompanyId: user.companyId, clientAddress: input.clientAddress, flow: "second_factor" },
    now,
  );
  return { challenge, user, clientAddress: input.clientAddress, userAgent: input.userAgent, now, limitKey };
}

/** Thrown inside the finishing transaction when the code is wrong: the transaction rolls back, then it is counted. */
export class WrongCode extends Error {}

/**
 * Finishes a half-finished sign-in: consumes the challenge first, so of two concurrent submissions
 * only one goes on; runs `verify` (which throws WrongCode to roll everything back); then opens the
 * session by login's own statement, in the same transaction, and forgets the step's failures.
 * A wrong code counts against the challenge (it dies after a few) and is audited.
 */
export async function finishSignIn<T>(
  deps: Pick<Deps, "db" | "config">,
  pending: PendingSignIn,
  verify: (tx: Executor) => Promise<T>,
): Promise<T & { sessionToken: string }> {
  const { challenge, user, now } = pending;
  try {
    return await deps.db.transaction(async (tx) => {
      if (!(await consumeChallenge(tx, challenge.id, now))) throw new AppError("SIGN_IN_EXPIRED");
      const verified = await verify(tx);
      const { sessionToken } = await completeLogin(deps, tx, { userId: user.id, companyId: user.companyId, email: user.emailNormalized, clientAddress: pending.clientAddress, userAgent: pending.userAgent, now });
      await tx.update(rateLimits).set({ count: 0, windowStart: sql`'epoch'::timestamptz` }).where(eq(rateLimits.key, pending.limitKey));
      return { ...verified, sessionToken };
    });
  } catch (error) {
    if (!(error instanceof WrongCode)) throw error;
    await countChallengeFailure(deps.db, challenge.id);
    await recordAuditEvent(deps.db, { action: "second_factor.failed", outcome: "failure", targetUserId: user.id, targetCompanyId: user.companyId, clientAddress: pending.clientAddress, details: { purpose: challenge.purpose }, at: now });
    throw new AppError("SECOND_FACTOR_INCORRECT");
  }
}
