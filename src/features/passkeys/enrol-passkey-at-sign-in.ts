import { generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { findLiveChallenge } from "../second-factor/challenges.ts";
import { assertNoFactorYet } from "../second-factor/enrol-at-sign-in.ts";
import { finishSignIn, pendingSignIn, WrongCode } from "../second-factor/pending-sign-in.ts";
import { keepPasskey, verifiedRegistration } from "./finish-passkey-registration.ts";
import { setStepChallenge, stepChallengeOf } from "./passkey-ceremonies.ts";
import { credentialsOf } from "./passkeys.queries.ts";
import { PASSKEY_ALGORITHMS, PASSKEY_CEREMONY_TTL_MS, relyingParty } from "./relying-party.ts";
import { passkeyNotAccepted } from "./passkey-second-step.ts";
import { userHandleOf, type RegistrationAnswer } from "./webauthn-answers.ts";

/**
 * A passkey as the factor set up at a sign-in's enrolment step (an administrator's reset, or the
 * company's policy past its grace period): the registration options of account settings, their
 * WebAuthn challenge riding on the half-finished sign-in's own row (so only the latest options can
 * be answered, and nothing waits in memory). A user who holds a factor already is not offered one.
 */
export async function beginPasskeyEnrolment(deps: Pick<Deps, "db" | "clock" | "config">, challengeToken: string | undefined): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const now = deps.clock.now();
  const challenge = await findLiveChallenge(deps.db, challengeToken, "enrol", now);
  if (!challenge) throw new AppError("SIGN_IN_EXPIRED");
  const [user] = await deps.db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, challenge.userId));
  if (!user) throw new AppError("SIGN_IN_EXPIRED");
  // No passkey yet, or this is not an enrolment any more (assertNoFactorYet refuses the answer anyway).
  if ((await credentialsOf(deps.db, user.id)).length > 0) throw new AppError("SIGN_IN_EXPIRED");
  const rp = relyingParty(deps.config);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.email,
    userDisplayName: user.name,
    userID: userHandleOf(user.id),
    attestationType: "none",
    supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    timeout: PASSKEY_CEREMONY_TTL_MS,
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  if (!(await setStepChallenge(deps.db, challenge.id, options.challenge, now))) throw new AppError("SIGN_IN_EXPIRED");
  return options;
}

/**
 * Finishes the enrolment with the authenticator's answer, and the sign-in with it: counted like a
 * code (pendingSignIn's limit), then in finishSignIn's transaction — the half-finished sign-in
 * consumed first — the answer must verify against the challenge this row holds, the user must still
 * have no factor, and the passkey is kept as account settings keep one (keepPasskey: its audit row,
 * the owner's email, the owed enrolment settled). A bad answer is a wrong answer (PASSKEY_NOT_ACCEPTED,
 * counted against the half-finished sign-in); the session opens by login's own statement.
 */
export async function finishPasskeyEnrolment(
  deps: Pick<Deps, "db" | "clock" | "config" | "jobs">,
  input: { challengeToken: string | undefined; answer: RegistrationAnswer; clientAddress: string; userAgent: string | undefined },
): Promise<{ sessionToken: string }> {
  const pending = await pendingSignIn(deps, { challengeToken: input.challengeToken, purpose: "enrol", clientAddress: input.clientAddress, userAgent: input.userAgent });
  const expected = await stepChallengeOf(deps.db, pending.challenge.id);
  const info = expected === null ? null : await verifiedRegistration(deps.config, input.answer, expected);
  return passkeyNotAccepted(
    finishSignIn(deps, pending, async (tx) => {
      await assertNoFactorYet(tx, pending.user.id);
      if (info === null) throw new WrongCode();
      await keepPasskey(tx, deps, { user: pending.user, actor: null, info, answer: input.answer, userAgent: input.userAgent, clientAddress: input.clientAddress, now: pending.now });
      return {};
    }),
  );
}
