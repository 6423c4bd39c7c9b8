import { and, eq, gt } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { emailChanges } from "../../db/schema.ts";
import { normalizeEmail } from "../email-address.ts";

/** How long an address the account left is still told of a password change (decision 0021). */
export const FORMER_ADDRESS_WINDOW_MS = 24 * 3_600_000;

export async function recordEmailChange(
  tx: Executor,
  change: { userId: string; previousEmail: string; newEmail: string; changedByUserId: string | null; at: Date },
): Promise<void> {
  await tx.insert(emailChanges).values({
    userId: change.userId,
    previousEmail: change.previousEmail,
    newEmail: change.newEmail,
    changedByUserId: change.changedByUserId,
    changedAt: change.at,
  });
}

/**
 * The addresses the account had at any moment of the window but has no longer, once each by
 * normalised form: the address before each change in it (the one after a change is the one before
 * the next, or the current one).
 */
export async function formerAddressesOf(db: Executor, user: { id: string; email: string }, now: Date): Promise<string[]> {
  const since = new Date(now.getTime() - FORMER_ADDRESS_WINDOW_MS);
  const rows = await db
    .select({ previousEmail: emailChanges.previousEmail })
    .from(emailChanges)
    .where(and(eq(emailChanges.userId, user.id), gt(emailChanges.changedAt, since)))
    .orderBy(emailChanges.changedAt);
  const seen = new Set([normalizeEmail(user.email)]);
  const former: string[] = [];
  for (const { previousEmail } of rows) {
    const key = normalizeEmail(previousEmail);
    if (seen.has(key)) continue;
    seen.add(key);
    former.push(previousEmail);
  }
  return former;
}
