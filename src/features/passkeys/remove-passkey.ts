import { and, eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { passkeys, recoveryCodes, users } from "../../db/schema.ts";
import { AppError, assertThat } from "../../errors.ts";
import type { PersonActor } from "../access/actor.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { sendPasskeyChangedEmail } from "./passkey-emails.ts";
import { hasOtherFactor } from "./passkeys.queries.ts";

/**
 * Removes one of the caller's own passkeys, with the audit row and the owner's email. Removing the
 * last second factor (no confirmed authenticator app, no other passkey) asks for the password
 * again: a session left open on a shared computer must not be enough to strip the account's
 * second factor.
 */
export async function removePasskey(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, passkeyId: string, input: { password?: string | undefined }): Promise<void> {
  const now = deps.clock.now();
  const [found] = await deps.db.select({ id: passkeys.id }).from(passkeys).where(and(eq(passkeys.id, passkeyId), eq(passkeys.userId, actor.userId)));
  if (!found) throw new AppError("NOT_FOUND");
  // The password is checked outside the transaction (argon2 is slow); the rule is checked again inside it.
  let passwordConfirmed = false;
  if (input.password !== undefined) {
    const [user] = await deps.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.userId));
    assertThat(user?.passwordHash && (await verifyPassword(user.passwordHash, input.password)), "CURRENT_PASSWORD_INCORRECT");
    passwordConfirmed = true;
  }

  await deps.db.transaction(async (tx) => {
    // The user's row serialises removals: two at once cannot each see the other passkey and remove both without the password.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, actor.userId)).for("update");
    const last = !(await hasOtherFactor(tx, actor.userId, passkeyId));
    if (!passwordConfirmed) assertThat(!last, "LAST_FACTOR_PASSWORD_REQUIRED");
    const [row] = await tx
      .delete(passkeys)
      .where(and(eq(passkeys.id, passkeyId), eq(passkeys.userId, actor.userId)))
      .returning({ name: passkeys.name });
    if (!row) throw new AppError("NOT_FOUND");
    // The last factor gone, the recovery codes go too: they recover a factor that no longer exists (as turning the app off does).
    if (last) await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, actor.userId));
    await recordAuditEvent(tx, { action: "passkey.removed", actor, targetUserId: actor.userId, targetCompanyId: actor.companyId, details: { passkeyId, name: row.name, passwordConfirmed }, at: now });
    await sendPasskeyChangedEmail(tx, deps, { id: actor.userId, name: actor.name, email: actor.email }, { change: "removed", passkeyName: row.name, at: now });
  });
}
