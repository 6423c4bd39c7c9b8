import { and, eq, isNull, sql } from "drizzle-orm";
import QRCode from "qrcode";
import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { secondFactorEnrolmentsDue, totpFactors } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { openSecret, sealSecret } from "../secrets-at-rest.ts";
import { recordSecondFactorChange, type ChangedUser } from "./record-change.ts";
import { replaceRecoveryCodes } from "./recovery-codes.ts";
import { matchingStep, newTotpSecret, totpUri } from "./totp.ts";

export interface TotpEnrolment {
  /** The key to type into an app that cannot scan (base32). */
  secret: string;
  otpauthUri: string;
  /** The QR code of otpauthUri, an SVG data URL. */
  qrCode: string;
}

/**
 * The key as stored (decision 0036): encrypted under SECRET_KEY; without one, as is — except in
 * production, where an authenticator app is not set up at all rather than kept in the clear.
 */
function sealTotpSecret(config: Deps["config"], secret: string): string {
  if (!config.secretKey && config.env === "production") throw new AppError("TOTP_UNAVAILABLE");
  return sealSecret(secret, config.secretKey);
}

export function openTotpSecret(config: Deps["config"], stored: string): string {
  return openSecret(stored, config.secretKey);
}

/**
 * Starts (or starts again) setting up an authenticator app: a new key, kept unconfirmed — no factor
 * yet — until a first code proves the app holds it. Refused while a confirmed one exists.
 */
export async function startTotpEnrolment(deps: Pick<Deps, "db" | "clock" | "config">, user: { id: string; email: string }): Promise<TotpEnrolment> {
  const secret = newTotpSecret();
  const rows = await deps.db
    .insert(totpFactors)
    .values({ userId: user.id, secret: sealTotpSecret(deps.config, secret), createdAt: deps.clock.now() })
    .onConflictDoUpdate({ target: totpFactors.userId, set: { secret: sql`excluded.secret`, createdAt: sql`excluded.created_at`, lastUsedStep: null }, setWhere: isNull(totpFactors.confirmedAt) })
    .returning({ userId: totpFactors.userId });
  if (rows.length === 0) throw new AppError("TOTP_ALREADY_ENABLED");
  const otpauthUri = totpUri(secret, user.email);
  const qrCode = `data:image/svg+xml;base64,${Buffer.from(await QRCode.toString(otpauthUri, { type: "svg", errorCorrectionLevel: "M", margin: 2 })).toString("base64")}`;
  return { secret, otpauthUri, qrCode };
}

/**
 * Confirms the pending app with its first code, in the caller's transaction: the factor becomes
 * active (that code's step counts as used), ten recovery codes replace any old set, an enrolment an
 * administrator's reset made due is settled, and the change is audited and emailed. Null when the
 * code is wrong (or nothing is pending): the caller refuses and counts it.
 */
export async function confirmTotpEnrolment(
  tx: Executor,
  deps: Pick<Deps, "config" | "jobs">,
  input: { user: ChangedUser; code: string; actor: Actor | null; clientAddress: string; now: Date },
): Promise<{ recoveryCodes: string[] } | null> {
  const { user, now } = input;
  const [pending] = await tx
    .select({ secret: totpFactors.secret })
    .from(totpFactors)
    .where(and(eq(totpFactors.userId, user.id), isNull(totpFactors.confirmedAt)))
    .for("update");
  if (!pending) return null;
  const step = matchingStep(openTotpSecret(deps.config, pending.secret), input.code, now);
  if (step === null) return null;
  await tx.update(totpFactors).set({ confirmedAt: now, lastUsedStep: step }).where(eq(totpFactors.userId, user.id));
  const recoveryCodes = await replaceRecoveryCodes(tx, user.id, now);
  await tx.delete(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, user.id));
  await recordSecondFactorChange(tx, deps, { user, what: { kind: "totp_enabled" }, actor: input.actor, clientAddress: input.clientAddress, at: now });
  return { recoveryCodes };
}
