import { verifyRegistrationResponse } from "@simplewebauthn/server";
import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { passkeys, secondFactorEnrolmentsDue, users } from "../../db/schema.ts";
import { AppError, assertThat } from "../../errors.ts";
import type { PersonActor } from "../access/actor.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { defaultPasskeyName } from "./default-passkey-name.ts";
import { consumeRegistrationChallenge } from "./passkey-ceremonies.ts";
import { sendPasskeyChangedEmail } from "./passkey-emails.ts";
import { listPasskeysOf, type PasskeySummary } from "./passkeys.queries.ts";
import { MAX_PASSKEYS_PER_USER, PASSKEY_ALGORITHMS, relyingParty } from "./relying-party.ts";
import { knownTransports, registrationResponseOf, signedChallengeOf, type RegistrationAnswer } from "./webauthn-answers.ts";

export interface FinishRegistrationInput {
  answer: RegistrationAnswer;
  /** The owner's name for it; absent: one made from the authenticator and the browser. */
  name?: string | undefined;
  userAgent: string | undefined;
}

/**
 * Checks the authenticator's answer to the user's own registration challenge and keeps the passkey,
 * with its audit row and the owner's email in one transaction.
 */
export async function finishPasskeyRegistration(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, input: FinishRegistrationInput): Promise<PasskeySummary> {
  const now = deps.clock.now();
  const challenge = signedChallengeOf(input.answer.response.clientDataJSON);
  // Consume first, so a challenge serves one answer even when two arrive together; a failed answer uses it up too.
  assertThat(challenge !== null && (await consumeRegistrationChallenge(deps.db, actor.userId, challenge, now)), "PASSKEY_NOT_VERIFIED");
  const rp = relyingParty(deps.config);
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: registrationResponseOf(input.answer),
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
  } catch {
    throw new AppError("PASSKEY_NOT_VERIFIED");
  }
  assertThat(verification.verified, "PASSKEY_NOT_VERIFIED");
  const info = verification.registrationInfo;
  const transports = knownTransports(input.answer.response.transports);

  return deps.db.transaction(async (tx) => {
    // The user's row serialises their passkey changes, so the limit holds under concurrent registrations.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, actor.userId)).for("update");
    const existing = await listPasskeysOf(tx, actor.userId);
    assertThat(existing.length < MAX_PASSKEYS_PER_USER, "PASSKEY_LIMIT");
    const name = input.name ?? defaultPasskeyName({ deviceType: info.credentialDeviceType, transports, userAgent: input.userAgent }, existing.map((passkey) => passkey.name));
    const [row] = await tx
      .insert(passkeys)
      .values({
        userId: actor.userId,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString("base64url"),
        signCount: info.credential.counter,
        transports,
        name,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        createdAt: now,
      })
      .onConflictDoNothing({ target: passkeys.credentialId })
      .returning({ id: passkeys.id, name: passkeys.name, createdAt: passkeys.createdAt, lastUsedAt: passkeys.lastUsedAt, deviceType: passkeys.deviceType, backedUp: passkeys.backedUp });
    // Credential ids are unique across the installation: one already kept (this user's or anyone's) is not taken again.
    if (!row) throw new AppError("PASSKEY_ALREADY_REGISTERED");
    // A passkey is a second factor: an enrolment an administrator's reset left owed is done.
    await tx.delete(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, actor.userId));
    await recordAuditEvent(tx, { action: "passkey.registered", actor, targetUserId: actor.userId, targetCompanyId: actor.companyId, details: { passkeyId: row.id, name }, at: now });
    await sendPasskeyChangedEmail(tx, deps, { id: actor.userId, name: actor.name, email: actor.email }, { change: "added", passkeyName: name, at: now });
    return row;
  });
}
