import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { findLiveChallenge } from "../second-factor/challenges.ts";
import { finishSignIn, pendingSignIn, WrongCode } from "../second-factor/pending-sign-in.ts";
import { countedSecondStep } from "../second-factor/second-step-metrics.ts";
import { checkAssertion } from "./check-assertion.ts";
import { setStepChallenge, stepChallengeOf } from "./passkey-ceremonies.ts";
import { credentialsOf } from "./passkeys.queries.ts";
import { PASSKEY_CEREMONY_TTL_MS, relyingParty } from "./relying-party.ts";
import { knownTransports, userIdOfHandle, type AssertionAnswer } from "./webauthn-answers.ts";

/**
 * A passkey as the second step of a sign-in (after the password; the dashboard's page and an
 * application's): the options name the challenge's user's own passkeys (allowCredentials), and the
 * WebAuthn challenge rides on the half-finished sign-in's row, never in memory.
 */
export async function beginPasskeySecondStep(deps: Pick<Deps, "db" | "clock" | "config">, challengeToken: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const now = deps.clock.now();
  const challenge = await findLiveChallenge(deps.db, challengeToken, "second_factor", now);
  if (!challenge) throw new AppError("SIGN_IN_EXPIRED");
  const credentials = await credentialsOf(deps.db, challenge.userId);
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(deps.config).rpID,
    allowCredentials: credentials.map((credential) => ({ id: credential.credentialId, transports: knownTransports(credential.transports) })),
    userVerification: "required",
    timeout: PASSKEY_CEREMONY_TTL_MS,
  });
  if (!(await setStepChallenge(deps.db, challenge.id, options.challenge, now))) throw new AppError("SIGN_IN_EXPIRED");
  return options;
}

/**
 * Finishes the sign-in with a passkey's assertion: counted like a code (pendingSignIn's limit), then
 * in finishSignIn's transaction — the half-finished sign-in consumed first — the assertion must
 * come from one of that user's own passkeys (another user's is a wrong answer, counted like a wrong
 * code and told as PASSKEY_NOT_ACCEPTED), answer the challenge this row holds, on PUBLIC_URL's
 * origin, with its counter moving forward.
 */
export async function finishPasskeySecondStep(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { challengeToken: string | undefined; answer: AssertionAnswer; clientAddress: string; userAgent: string | undefined },
): Promise<{ sessionToken: string }> {
  return countedSecondStep("passkey", () => passkeyStep(deps, input));
}

async function passkeyStep(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { challengeToken: string | undefined; answer: AssertionAnswer; clientAddress: string; userAgent: string | undefined },
): Promise<{ sessionToken: string }> {
  const pending = await pendingSignIn(deps, { challengeToken: input.challengeToken, purpose: "second_factor", clientAddress: input.clientAddress, userAgent: input.userAgent });
  const expected = await stepChallengeOf(deps.db, pending.challenge.id);
  const credential = (await credentialsOf(deps.db, pending.user.id)).find((stored) => stored.credentialId === input.answer.id) ?? null;
  const handle = userIdOfHandle(input.answer.response.userHandle);
  return passkeyNotAccepted(
    finishSignIn(deps, pending, async (tx) => {
      if (expected === null || credential === null || (handle !== null && handle !== pending.user.id)) throw new WrongCode();
      if (!(await checkAssertion({ db: tx, config: deps.config }, credential, input.answer, expected, pending.now))) throw new WrongCode();
      return {};
    }),
  );
}

/**
 * A passkey's wrong answer is told as a passkey's, not a code's: finishSignIn refuses every wrong
 * answer as SECOND_FACTOR_INCORRECT (after counting it and auditing it), whose words speak of codes.
 */
export async function passkeyNotAccepted<T>(finishing: Promise<T>): Promise<T> {
  try {
    return await finishing;
  } catch (error) {
    if (error instanceof AppError && error.code === "SECOND_FACTOR_INCORRECT") throw new AppError("PASSKEY_NOT_ACCEPTED");
    throw error;
  }
}
