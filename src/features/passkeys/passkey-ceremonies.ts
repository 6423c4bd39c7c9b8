import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { signInChallenges } from "../../db/schema.ts";
import { digestToken, newSecretToken } from "../auth/tokens.ts";
import { PASSKEY_CEREMONY_TTL_MS } from "./relying-party.ts";

/**
 * A WebAuthn challenge waits in `sign_in_challenges` (purpose 'passkey', decision 0038), never in
 * the process's memory: the options and the answer may reach two different instances. Each is
 * consumed by one atomic UPDATE before the answer is checked, so a challenge serves once, even to
 * two concurrent answers.
 *
 * - A **registration** by a signed-in person: user_id is theirs; the row is found by the user and
 *   the challenge the browser signed (its token_hash is the digest of a value nobody holds).
 * - A **passwordless sign-in**: user_id is null until the passkey names its user; the row is found
 *   by the SHA-256 of the browser's ceremony cookie.
 */
interface Ceremony {
  challenge: string;
  now: Date;
  clientAddress: string;
  userAgent: string | undefined;
}

const expiry = (now: Date) => new Date(now.getTime() + PASSKEY_CEREMONY_TTL_MS);

/** Starts a registration; the user's earlier unfinished registrations are dropped (one at a time). */
export async function storeRegistrationChallenge(db: Executor, userId: string, ceremony: Ceremony): Promise<void> {
  await db.delete(signInChallenges).where(and(eq(signInChallenges.userId, userId), eq(signInChallenges.purpose, "passkey")));
  await db.insert(signInChallenges).values({
    tokenHash: digestToken(newSecretToken()),
    userId,
    purpose: "passkey",
    webauthnChallenge: ceremony.challenge,
    clientAddress: ceremony.clientAddress,
    userAgent: ceremony.userAgent?.slice(0, 300) ?? null,
    createdAt: ceremony.now,
    expiresAt: expiry(ceremony.now),
  });
}

/** Consumes the user's live registration challenge, if the browser signed that one. */
export async function consumeRegistrationChallenge(db: Executor, userId: string, challenge: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(signInChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(signInChallenges.userId, userId),
        eq(signInChallenges.purpose, "passkey"),
        eq(signInChallenges.webauthnChallenge, challenge),
        isNull(signInChallenges.usedAt),
        gt(signInChallenges.expiresAt, now),
      ),
    )
    .returning({ id: signInChallenges.id });
  return rows.length === 1;
}

/** Starts a passwordless ceremony; returns the cookie's value (only its digest is stored). */
export async function startPasswordlessCeremony(db: Executor, ceremony: Ceremony): Promise<string> {
  const token = newSecretToken();
  await db.insert(signInChallenges).values({
    tokenHash: digestToken(token),
    userId: null,
    purpose: "passkey",
    webauthnChallenge: ceremony.challenge,
    clientAddress: ceremony.clientAddress,
    userAgent: ceremony.userAgent?.slice(0, 300) ?? null,
    createdAt: ceremony.now,
    expiresAt: expiry(ceremony.now),
  });
  return token;
}

/** Consumes the ceremony this cookie names; its challenge, or null (unknown, expired, used). */
export async function consumePasswordlessCeremony(db: Executor, token: string | undefined, now: Date): Promise<string | null> {
  if (!token || token.length > 200) return null;
  const rows = await db
    .update(signInChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(signInChallenges.tokenHash, digestToken(token)),
        eq(signInChallenges.purpose, "passkey"),
        isNull(signInChallenges.userId),
        isNull(signInChallenges.usedAt),
        gt(signInChallenges.expiresAt, now),
        sql`${signInChallenges.webauthnChallenge} is not null`,
      ),
    )
    .returning({ challenge: signInChallenges.webauthnChallenge });
  return rows[0]?.challenge ?? null;
}

/**
 * Puts a WebAuthn challenge on a live half-finished sign-in (its second step, or its enrolment): a
 * new one replaces the last, so only the latest options can be answered. False when the row is no
 * longer pending.
 */
export async function setStepChallenge(db: Executor, challengeId: string, challenge: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(signInChallenges)
    .set({ webauthnChallenge: challenge })
    .where(and(eq(signInChallenges.id, challengeId), isNull(signInChallenges.usedAt), gt(signInChallenges.expiresAt, now)))
    .returning({ id: signInChallenges.id });
  return rows.length === 1;
}

/** The WebAuthn challenge a half-finished sign-in holds, if its options were asked for. */
export async function stepChallengeOf(db: Executor, challengeId: string): Promise<string | null> {
  const [row] = await db.select({ challenge: signInChallenges.webauthnChallenge }).from(signInChallenges).where(eq(signInChallenges.id, challengeId));
  return row?.challenge ?? null;
}
