import { verifyAuthenticationResponse } from "@simplewebauthn/server";
import type { Executor } from "../../db/client.ts";
import type { Config } from "../../config.ts";
import { authenticationResponseOf, type AssertionAnswer } from "./webauthn-answers.ts";
import { recordPasskeyUse, type StoredCredential } from "./passkeys.queries.ts";
import { relyingParty } from "./relying-party.ts";

/**
 * Whether an assertion proves the holder of this stored credential answered this challenge, on
 * PUBLIC_URL's origin and rpID, with user verification: the signature, then the counter (an
 * authenticator whose counter does not move forward may be a clone — the library refuses it, and
 * recordPasskeyUse refuses the loser of a race between two answers with one counter). Shared by the
 * passwordless sign-in and the second step. A passing check records the use.
 */
export async function checkAssertion(
  deps: { db: Executor; config: Pick<Config, "publicUrl"> },
  credential: StoredCredential,
  answer: AssertionAnswer,
  expectedChallenge: string,
  now: Date,
): Promise<boolean> {
  if (answer.id !== credential.credentialId || answer.rawId !== credential.credentialId) return false;
  const rp = relyingParty(deps.config);
  let newCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response: authenticationResponseOf(answer),
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: { id: credential.credentialId, publicKey: new Uint8Array(Buffer.from(credential.publicKey, "base64url")), counter: credential.signCount, transports: credential.transports },
      requireUserVerification: true,
    });
    if (!result.verified || !result.authenticationInfo.userVerified) return false;
    newCounter = result.authenticationInfo.newCounter;
  } catch {
    // The library throws for every malformed or failing answer: all of them are simply "not verified".
    return false;
  }
  return recordPasskeyUse(deps.db, credential.id, newCounter, now);
}
