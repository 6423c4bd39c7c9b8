import { createHash, randomBytes } from "node:crypto";
import { and, count, eq, isNull } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { recoveryCodes } from "../../db/schema.ts";

export const RECOVERY_CODE_COUNT = 10;
/** The second step says how many are left from this many down (issue 18: "when few do"). */
export const FEW_RECOVERY_CODES = 3;

// Crockford's base32 without the letters people confuse (I, L, O, U): 5 bits a character.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** 16 characters, 80 random bits, shown as four groups ("k3m9-…"); the rate limits make guessing hopeless. */
function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((byte) => ALPHABET[byte % 32]).join("");
  return chars.match(/.{4}/g)?.join("-") ?? chars;
}

/** As a person may type it: any case, with or without the dashes and spaces. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]+/g, "");
}

/** Only this digest is stored. The codes carry 80 random bits, so a plain SHA-256 is enough (no salt, no argon2). */
export function digestRecoveryCode(code: string): string {
  return createHash("sha256").update(normalizeRecoveryCode(code)).digest("base64url");
}

/** A new set of ten, replacing (voiding) the old one, in the caller's transaction. Returns the codes, shown once. */
export async function replaceRecoveryCodes(tx: Executor, userId: string, now: Date): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx.insert(recoveryCodes).values(codes.map((code) => ({ userId, codeHash: digestRecoveryCode(code), createdAt: now })));
  return codes;
}

/** Uses a code: one atomic statement, so two submissions of one code cannot both succeed. */
export async function consumeRecoveryCode(tx: Executor, userId: string, code: string, now: Date): Promise<boolean> {
  if (normalizeRecoveryCode(code).length !== 16) return false;
  const used = await tx
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, digestRecoveryCode(code)), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return used.length === 1;
}

export async function recoveryCodesLeft(db: Executor, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}
