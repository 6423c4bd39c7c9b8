import { generateAuthenticationOptions, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import type { Deps } from "../../deps.ts";
import { enforceClientLimit, type RateRule } from "../rate-limit.ts";
import { startPasswordlessCeremony } from "./passkey-ceremonies.ts";
import { PASSKEY_CEREMONY_TTL_MS, relyingParty } from "./relying-party.ts";

/** Each ceremony is a row: one client may start this many in 15 minutes. */
export const PASSKEY_OPTIONS_LIMIT: RateRule = { limit: 60, windowMs: 15 * 60_000 };

/**
 * The options for a passwordless navigator.credentials.get(): no allowCredentials (the
 * authenticator offers its discoverable passkeys for this site, and nobody is named before the
 * passkey names them), user verification required. Returns the ceremony cookie's value too.
 */
export async function beginPasskeySignIn(
  deps: Pick<Deps, "db" | "clock" | "config">,
  input: { clientAddress: string; userAgent: string | undefined },
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; ceremonyToken: string }> {
  const now = deps.clock.now();
  await enforceClientLimit(deps.db, { key: `passkey-options:client:${input.clientAddress}`, rule: PASSKEY_OPTIONS_LIMIT, clientAddress: input.clientAddress, flow: "passkey_sign_in" }, now);
  const options = await generateAuthenticationOptions({ rpID: relyingParty(deps.config).rpID, userVerification: "required", timeout: PASSKEY_CEREMONY_TTL_MS });
  const ceremonyToken = await startPasswordlessCeremony(deps.db, { challenge: options.challenge, now, clientAddress: input.clientAddress, userAgent: input.userAgent });
  return { options, ceremonyToken };
}
