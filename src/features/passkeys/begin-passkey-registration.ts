import { generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import type { Deps } from "../../deps.ts";
import { assertThat } from "../../errors.ts";
import type { PersonActor } from "../access/actor.ts";
import { storeRegistrationChallenge } from "./passkey-ceremonies.ts";
import { credentialsOf } from "./passkeys.queries.ts";
import { MAX_PASSKEYS_PER_USER, PASSKEY_ALGORITHMS, PASSKEY_CEREMONY_TTL_MS, relyingParty } from "./relying-party.ts";
import { knownTransports, userHandleOf } from "./webauthn-answers.ts";

/**
 * The options for navigator.credentials.create(): a discoverable credential (so it can sign in
 * without an email typed first) with user verification (so it is two factors by itself), none of
 * the user's own passkeys again, no attestation (Latchkey trusts no vendor list, decision 0038).
 */
export async function beginPasskeyRegistration(deps: Pick<Deps, "db" | "clock" | "config">, actor: PersonActor, userAgent: string | undefined): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const now = deps.clock.now();
  const rp = relyingParty(deps.config);
  const existing = await credentialsOf(deps.db, actor.userId);
  assertThat(existing.length < MAX_PASSKEYS_PER_USER, "PASSKEY_LIMIT");
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: actor.email,
    userDisplayName: actor.name,
    userID: userHandleOf(actor.userId),
    attestationType: "none",
    supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    timeout: PASSKEY_CEREMONY_TTL_MS,
    excludeCredentials: existing.map((credential) => ({ id: credential.credentialId, transports: knownTransports(credential.transports) })),
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
  });
  await storeRegistrationChallenge(deps.db, actor.userId, { challenge: options.challenge, now, clientAddress: actor.clientAddress, userAgent });
  return options;
}
