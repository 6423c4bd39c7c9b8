import type { Config } from "../../config.ts";

/** Passkey ceremonies (registration, passwordless sign-in, the second step) expire after this. */
export const PASSKEY_CEREMONY_TTL_MS = 5 * 60_000;

/** Enough for every device a person owns, and a bound on what one account can store. */
export const MAX_PASSKEYS_PER_USER = 20;

/**
 * The signature algorithms offered, in order of preference: EdDSA, ES256, RS256 (COSE ids). The
 * library would also offer ML-DSA-44 where Node's Web Crypto has it — still experimental in Node
 * 24, so a passkey made with it could stop verifying after an upgrade (decision 0038).
 */
export const PASSKEY_ALGORITHMS = [-8, -7, -257];

export interface RelyingParty {
  /** The host name of PUBLIC_URL: a passkey is bound to it for good (changing PUBLIC_URL's host voids every passkey). */
  rpID: string;
  /** The only origin whose clientDataJSON is accepted. */
  origin: string;
  rpName: string;
}

/**
 * Who the browser is talking to, from PUBLIC_URL alone: never from Host or X-Forwarded-* (SECURITY.md
 * principle 6), so a request with a forged host cannot make a ceremony for another site pass.
 */
export function relyingParty(config: Pick<Config, "publicUrl">): RelyingParty {
  const url = new URL(config.publicUrl);
  return { rpID: url.hostname, origin: url.origin, rpName: "Latchkey" };
}
