import { and, eq, isNotNull } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { passkeys, recoveryCodes, totpFactors, users } from "../../db/schema.ts";
import { AppError, assertThat } from "../../errors.ts";
import type { PersonActor } from "../access/actor.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { enforceRateLimits } from "../rate-limit.ts";
import { SECOND_STEP_LIMIT } from "./pending-sign-in.ts";
import { recordSecondFactorChange, type ChangedUser } from "./record-change.ts";
import { replaceRecoveryCodes } from "./recovery-codes.ts";
import { confirmTotpEnrolment, startTotpEnrolment, type TotpEnrolment } from "./totp-enrolment.ts";

const changedUserOf = (actor: PersonActor): ChangedUser => ({ id: actor.userId, name: actor.name, email: actor.email, companyId: actor.companyId });

/** Account settings: a new key for an authenticator app, shown once (QR code and text). */
export function startTotpInSettings(deps: Pick<Deps, "db" | "clock" | "config">, actor: PersonActor): Promise<TotpEnrolment> {
  return startTotpEnrolment(deps, { id: actor.userId, email: actor.email });
}

/** Account settings: the app's first code turns it on; the ten recovery codes are returned, once. */
export async function confirmTotpInSettings(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, code: string): Promise<{ recoveryCodes: string[] }> {
  const now = deps.clock.now();
  // Codes tried from the settings count with those of the sign-in's second step.
  await enforceRateLimits(deps.db, [{ key: `second-factor:account-client:${actor.userId}:${actor.clientAddress}`, rule: SECOND_STEP_LIMIT, name: "account_client" }], { actor, flow: "second_factor" }, now);
  const confirmed = await deps.db.transaction((tx) => confirmTotpEnrolment(tx, deps, { user: changedUserOf(actor), code, actor, clientAddress: actor.clientAddress, now }));
  if (!confirmed) {
    const [factor] = await deps.db.select({ confirmedAt: totpFactors.confirmedAt }).from(totpFactors).where(eq(totpFactors.userId, actor.userId));
    throw new AppError(factor?.confirmedAt ? "TOTP_ALREADY_ENABLED" : factor ? "TOTP_CODE_INCORRECT" : "TOTP_NOT_ENABLED");
  }
  return confirmed;
}

/** Asking for the password again: a session left open on a shared computer must not lower the account's guard. */
async function assertPassword(deps: Pick<Deps, "db">, actor: PersonActor, password: string): Promise<void> {
  const [user] = await deps.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.userId));
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : false;
  assertThat(ok, "CURRENT_PASSWORD_INCORRECT");
}

/**
 * Turns the authenticator app off (the password asked again). With no passkey left it was the last
 * factor: the recovery codes go too, since they recover a factor that no longer exists.
 */
export async function turnOffTotp(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, password: string): Promise<void> {
  const now = deps.clock.now();
  await assertPassword(deps, actor, password);
  await deps.db.transaction(async (tx) => {
    const removed = await tx.delete(totpFactors).where(and(eq(totpFactors.userId, actor.userId), isNotNull(totpFactors.confirmedAt))).returning({ userId: totpFactors.userId });
    assertThat(removed.length === 1, "TOTP_NOT_ENABLED");
    // An unconfirmed enrolment is no factor either; drop it so nothing half-set remains.
    await tx.delete(totpFactors).where(eq(totpFactors.userId, actor.userId));
    const [passkey] = await tx.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, actor.userId)).limit(1);
    if (!passkey) await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, actor.userId));
    await recordSecondFactorChange(tx, deps, { user: changedUserOf(actor), what: { kind: "totp_disabled" }, actor, clientAddress: actor.clientAddress, at: now });
  });
}

/** A new set of recovery codes, voiding the old (the password asked again, decision 0037). */
export async function regenerateRecoveryCodes(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, password: string): Promise<{ recoveryCodes: string[] }> {
  const now = deps.clock.now();
  await assertPassword(deps, actor, password);
  return deps.db.transaction(async (tx) => {
    const [totp] = await tx.select({ userId: totpFactors.userId }).from(totpFactors).where(and(eq(totpFactors.userId, actor.userId), isNotNull(totpFactors.confirmedAt)));
    const [passkey] = await tx.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, actor.userId)).limit(1);
    assertThat(totp || passkey, "NO_SECOND_FACTOR");
    const codes = await replaceRecoveryCodes(tx, actor.userId, now);
    await recordSecondFactorChange(tx, deps, { user: changedUserOf(actor), what: { kind: "recovery_codes_regenerated" }, actor, clientAddress: actor.clientAddress, at: now });
    return { recoveryCodes: codes };
  });
}
