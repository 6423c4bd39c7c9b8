import { verifyRegistrationResponse, type VerifiedRegistrationResponse } from "@simplewebauthn/server";
import { eq } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
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

export type RegistrationInfo = NonNullable<VerifiedRegistrationResponse["registrationInfo"]>;

/**
 * The authenticator's answer to `challenge`, checked against PUBLIC_URL's origin and rpID with user
 * verification; null when it does not verify (any reason: nobody learns which).
 */
export async function verifiedRegistration(config: Deps["config"], answer: RegistrationAnswer, challenge: string): Promise<RegistrationInfo | null> {
  const rp = relyingParty(config);
  try {
    const verification = await verifyRegistrationResponse({
      response: registrationResponseOf(answer),
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: true,
      supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    });
    return verification.verified ? verification.registrationInfo : null;
  } catch {
    return null;
  }
}

/**
 * Keeps a verified passkey, in the caller's transaction — the one way a passkey is stored, from
 * account settings and from the enrolment step of a sign-in alike: the limit under the user's row
 * lock, its name, the credential id unique across the installation, an owed enrolment settled, the
 * audit row and the owner's email.
 */
export async function keepPasskey(
  tx: Executor,
  deps: Pick<Deps, "config" | "jobs">,
  input: {
    user: { id: string; name: string; email: string; companyId: string };
    /** The signed-in person (account settings); null at a sign-in's enrolment step (the user acts before any session). */
    actor: PersonActor | null;
    info: RegistrationInfo;
    answer: RegistrationAnswer;
    name?: string | undefined;
    userAgent: string | undefined;
    clientAddress: string;
    now: Date;
  },
): Promise<PasskeySummary> {
  const { user, info, now } = input;
  // The user's row serialises their passkey changes, so the limit holds under concurrent registrations.
  await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for("update");
  const existing = await listPasskeysOf(tx, user.id);
  assertThat(existing.length < MAX_PASSKEYS_PER_USER, "PASSKEY_LIMIT");
  const transports = knownTransports(input.answer.response.transports);
  const name = input.name ?? defaultPasskeyName({ deviceType: info.credentialDeviceType, transports, userAgent: input.userAgent }, existing.map((passkey) => passkey.name));
  const [row] = await tx
    .insert(passkeys)
    .values({
      userId: user.id,
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
  await tx.delete(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, user.id));
  await recordAuditEvent(tx, {
    action: "passkey.registered",
    actor: input.actor,
    actorUserId: user.id,
    actorCompanyId: user.companyId,
    targetUserId: user.id,
    targetCompanyId: user.companyId,
    clientAddress: input.clientAddress,
    details: { passkeyId: row.id, name },
    at: now,
  });
  await sendPasskeyChangedEmail(tx, deps, { id: user.id, name: user.name, email: user.email }, { change: "added", passkeyName: name, at: now });
  return row;
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
  const info = await verifiedRegistration(deps.config, input.answer, challenge);
  if (!info) throw new AppError("PASSKEY_NOT_VERIFIED");
  return deps.db.transaction((tx) =>
    keepPasskey(tx, deps, { user: { id: actor.userId, name: actor.name, email: actor.email, companyId: actor.companyId }, actor, info, answer: input.answer, name: input.name, userAgent: input.userAgent, clientAddress: actor.clientAddress, now }),
  );
}
