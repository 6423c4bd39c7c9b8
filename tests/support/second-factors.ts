import { createHash, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { passkeys, recoveryCodes, secondFactorEnrolmentsDue, signInChallenges, totpFactors } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";

/**
 * Gives a user second factors by writing their rows directly (issue 18): the administrator's side is
 * tested without the enrolment flows, which are another part's. The secret and keys are any strings:
 * nothing here checks a code.
 */
export async function giveSecondFactors(
  deps: Pick<Deps, "db" | "clock">,
  userId: string,
  factors: { totp?: boolean | "pending"; passkeys?: number; recoveryCodes?: number; usedRecoveryCodes?: number; challenge?: boolean } = { totp: true },
): Promise<void> {
  const now = deps.clock.now();
  if (factors.totp) {
    await deps.db.insert(totpFactors).values({ userId, secret: `plain:${randomBytes(20).toString("hex")}`, confirmedAt: factors.totp === "pending" ? null : now, createdAt: now });
  }
  for (let i = 0; i < (factors.passkeys ?? 0); i++) {
    await deps.db.insert(passkeys).values({ userId, credentialId: randomBytes(16).toString("base64url"), publicKey: randomBytes(32).toString("base64url"), name: `Key ${i + 1}`, createdAt: now });
  }
  const codes = (factors.recoveryCodes ?? 0) + (factors.usedRecoveryCodes ?? 0);
  for (let i = 0; i < codes; i++) {
    const used = i >= (factors.recoveryCodes ?? 0);
    await deps.db.insert(recoveryCodes).values({ userId, codeHash: createHash("sha256").update(randomBytes(8)).digest("hex"), usedAt: used ? now : null, createdAt: now });
  }
  if (factors.challenge) {
    await deps.db.insert(signInChallenges).values({
      userId,
      tokenHash: createHash("sha256").update(randomBytes(32)).digest("base64url"),
      purpose: "second_factor",
      createdAt: now,
      expiresAt: new Date(now.getTime() + 5 * 60_000),
    });
  }
}

/** The rows of a user's second factors, for asserting what a reset left. */
export async function secondFactorRowsOf(deps: Pick<Deps, "db">, userId: string) {
  const [totp, keys, codes, challenges, due] = await Promise.all([
    deps.db.select().from(totpFactors).where(eq(totpFactors.userId, userId)),
    deps.db.select().from(passkeys).where(eq(passkeys.userId, userId)),
    deps.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    deps.db.select().from(signInChallenges).where(eq(signInChallenges.userId, userId)),
    deps.db.select().from(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, userId)),
  ]);
  return { totp, passkeys: keys, recoveryCodes: codes, challenges, enrolmentDue: due[0] ?? null };
}
