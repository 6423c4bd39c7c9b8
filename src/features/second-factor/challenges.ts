import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { signInChallenges } from "../../db/schema.ts";
import { digestToken, newSecretToken } from "../auth/tokens.ts";

/** A half-finished sign-in lives this long: time to open an app or find a recovery code, not more. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong codes one challenge survives; the next sign-in starts with the password again. */
export const CHALLENGE_MAX_FAILURES = 5;

export type ChallengePurpose = "second_factor" | "enrol";

export interface NewChallenge {
  userId: string;
  purpose: ChallengePurpose;
  now: Date;
  clientAddress: string;
  userAgent: string | undefined;
}

/** A new challenge's cookie value and the row's values (only the token's digest is stored). */
export function newChallengeValues(input: NewChallenge) {
  const token = newSecretToken();
  const expiresAt = new Date(input.now.getTime() + CHALLENGE_TTL_MS);
  const row = {
    tokenHash: digestToken(token),
    userId: input.userId,
    purpose: input.purpose,
    clientAddress: input.clientAddress,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    createdAt: input.now,
    expiresAt,
  };
  return { token, expiresAt, row };
}

/** Opens a half-finished sign-in. Returns the cookie's value; only its digest is stored. */
export async function createChallenge(db: Executor, input: NewChallenge): Promise<{ token: string; expiresAt: Date }> {
  const { token, expiresAt, row } = newChallengeValues(input);
  await db.insert(signInChallenges).values(row);
  return { token, expiresAt };
}

export interface LiveChallenge {
  id: string;
  userId: string;
  purpose: ChallengePurpose;
  expiresAt: Date;
}

/**
 * The challenge behind a cookie, if it is still good for `purpose`: unused, unexpired, under its
 * failure limit, and its user active in a live company. Anything else is null — the caller gives one
 * answer for all of them, so nothing tells a missing challenge from another's or an expired one.
 */
export async function findLiveChallenge(db: Executor, token: string | undefined, purpose: ChallengePurpose | "any", now: Date): Promise<LiveChallenge | null> {
  if (!token || token.length > 200) return null;
  const rows = await queryRows<{ id: string; user_id: string; purpose: ChallengePurpose; expires_at: Date | string }>(db, sql`
    select ch.id, ch.user_id, ch.purpose, ch.expires_at
    from sign_in_challenges ch
    join users u on u.id = ch.user_id and u.status = 'active'
    join companies c on c.id = u.company_id and c.deleted_at is null
    where ch.token_hash = ${digestToken(token)} and ch.purpose in ('second_factor', 'enrol') and (${purpose} = 'any' or ch.purpose = ${purpose}) and ch.used_at is null
      and ch.expires_at > ${now} and ch.failures < ${CHALLENGE_MAX_FAILURES}
    limit 1`);
  const row = rows[0];
  return row ? { id: row.id, userId: row.user_id, purpose: row.purpose, expiresAt: new Date(row.expires_at) } : null;
}

/** Consumes the challenge: one atomic statement, so of two concurrent second steps only one goes on. */
export async function consumeChallenge(tx: Executor, id: string, now: Date): Promise<boolean> {
  const rows = await tx
    .update(signInChallenges)
    .set({ usedAt: now })
    .where(and(eq(signInChallenges.id, id), isNull(signInChallenges.usedAt), gt(signInChallenges.expiresAt, now), lt(signInChallenges.failures, CHALLENGE_MAX_FAILURES)))
    .returning({ id: signInChallenges.id });
  return rows.length === 1;
}

/** Counts a wrong code against the challenge; at CHALLENGE_MAX_FAILURES it is dead. */
export async function countChallengeFailure(db: Executor, id: string): Promise<void> {
  await db
    .update(signInChallenges)
    .set({ failures: sql`${signInChallenges.failures} + 1` })
    .where(eq(signInChallenges.id, id));
}
