import { eq, sql } from "drizzle-orm";
import { preparedStatement, type Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { rateLimits } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { completeLogin, signInDetails } from "../auth/login.ts";
import { digestToken } from "../auth/tokens.ts";
import { rateHitOf, refuseOverLimits, type RateRule } from "../rate-limit.ts";
import { CHALLENGE_MAX_FAILURES, consumeChallenge, countChallengeFailure, type ChallengePurpose, type LiveChallenge } from "./challenges.ts";
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

interface OpenedRow {
  id: string;
  user_id: string;
  purpose: ChallengePurpose;
  expires_at: Date | string;
  name: string;
  email: string;
  email_normalized: string;
  company_id: string;
  limit_key: string;
  count: number;
  window_start: Date | string;
  totp_secret: string | null;
}

const param = (name: string) => sql.placeholder(name);

/**
 * findLiveChallenge, its user, and the step's limit counted (the row created or counted only when
 * the challenge is live), with the user's confirmed authenticator-app key — one round trip, one
 * statement prepared once per connection (issue 18's speed goal). The limit's key is
 * `second-factor:account-client:<user>:<client>`, as it always was.
 */
const openStep = preparedStatement<OpenedRow, { tokenHash: string; purpose: ChallengePurpose; now: Date; maxFailures: number; clientAddress: string; floor: Date }>("second_step_opened", sql`
    with ch as materialized (
      select ch.id, ch.user_id, ch.purpose, ch.expires_at, u.name, u.email, u.email_normalized, u.company_id,
             'second-factor:account-client:' || ch.user_id::text || ':' || ${param("clientAddress")}::text as limit_key
      from sign_in_challenges ch
      join users u on u.id = ch.user_id and u.status = 'active'
      join companies c on c.id = u.company_id and c.deleted_at is null
      where ch.token_hash = ${param("tokenHash")} and ch.purpose in ('second_factor', 'enrol') and ch.purpose = ${param("purpose")}::text and ch.used_at is null
        and ch.expires_at > ${param("now")}::timestamptz and ch.failures < ${param("maxFailures")}::int
      limit 1
    ),
    hit as (
      insert into rate_limits as r (key, window_start, count)
      select limit_key, ${param("now")}::timestamptz, 1 from ch
      on conflict (key) do update set
        count = case when r.window_start <= ${param("floor")}::timestamptz then 1 else r.count + 1 end,
        window_start = case when r.window_start <= ${param("floor")}::timestamptz then ${param("now")}::timestamptz else r.window_start end
      returning count, window_start
    )
    select ch.*, hit.count, hit.window_start, t.secret as totp_secret
    from ch cross join hit
    left join totp_factors t on t.user_id = ch.user_id and t.confirmed_at is not null`);

/** A half-finished sign-in, and the key of the user's authenticator app (sealed, as stored) when they have one. */
export interface OpenedSignIn {
  pending: PendingSignIn;
  sealedTotpSecret: string | null;
}

/**
 * The half-finished sign-in behind a cookie, with its attempt counted (before any code is checked,
 * so parallel guesses cannot all pass the limit). No cookie, an unknown, expired, used or dead
 * challenge: one answer, SIGN_IN_EXPIRED. One statement (openStep).
 */
export async function openPendingSignIn(
  deps: Pick<Deps, "db" | "clock">,
  input: { challengeToken: string | undefined; purpose: ChallengePurpose; clientAddress: string; userAgent: string | undefined },
): Promise<OpenedSignIn> {
  const now = deps.clock.now();
  const token = input.challengeToken;
  if (!token || token.length > 200) throw new AppError("SIGN_IN_EXPIRED");
  const [row] = await openStep(deps.db, {
    tokenHash: digestToken(token),
    purpose: input.purpose,
    now,
    maxFailures: CHALLENGE_MAX_FAILURES,
    clientAddress: input.clientAddress,
    floor: new Date(now.getTime() - SECOND_STEP_LIMIT.windowMs),
  });
  if (!row) throw new AppError("SIGN_IN_EXPIRED");
  const user = { id: row.user_id, name: row.name, email: row.email, emailNormalized: row.email_normalized, companyId: row.company_id };
  const check = { key: row.limit_key, rule: SECOND_STEP_LIMIT, name: "account_client" };
  await refuseOverLimits(deps.db, [check], [rateHitOf(SECOND_STEP_LIMIT, row)], { targetUserId: user.id, targetCompanyId: user.companyId, clientAddress: input.clientAddress, flow: "second_factor" }, now);
  const challenge = { id: row.id, userId: row.user_id, purpose: row.purpose, expiresAt: new Date(row.expires_at) };
  return { pending: { challenge, user, clientAddress: input.clientAddress, userAgent: input.userAgent, now, limitKey: row.limit_key }, sealedTotpSecret: row.totp_secret };
}

/** The half-finished sign-in behind a cookie, its attempt counted (openPendingSignIn, without the app's key). */
export async function pendingSignIn(
  deps: Pick<Deps, "db" | "clock">,
  input: { challengeToken: string | undefined; purpose: ChallengePurpose; clientAddress: string; userAgent: string | undefined },
): Promise<PendingSignIn> {
  return (await openPendingSignIn(deps, input)).pending;
}

/** The audit row of a wrong code (or a refused passkey answer) at a half-finished sign-in: the user's sign-in history reads it. */
export function wrongCodeEvent({ challenge, user, clientAddress, userAgent, now }: PendingSignIn) {
  return {
    action: "second_factor.failed",
    outcome: "failure",
    targetUserId: user.id,
    targetCompanyId: user.companyId,
    clientAddress,
    details: { purpose: challenge.purpose, ...signInDetails(userAgent) },
    at: now,
  } as const;
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
    await recordAuditEvent(deps.db, wrongCodeEvent(pending));
    throw new AppError("SECOND_FACTOR_INCORRECT");
  }
}
