import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from "@simplewebauthn/server";

/**
 * The browser's answers as the API receives them (the route's zod schema has checked the shapes and
 * bounded the sizes); turned into the library's types here, where a transport this version does not
 * know is dropped rather than refused.
 */
export interface RegistrationAnswer {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; attestationObject: string; transports?: string[] | undefined };
  authenticatorAttachment?: "platform" | "cross-platform" | undefined;
  clientExtensionResults: Record<string, unknown>;
}

export interface AssertionAnswer {
  id: string;
  rawId: string;
  type: "public-key";
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle?: string | undefined };
  authenticatorAttachment?: "platform" | "cross-platform" | undefined;
  clientExtensionResults: Record<string, unknown>;
}

const TRANSPORTS: readonly AuthenticatorTransport[] = ["ble", "hybrid", "internal", "nfc", "usb"];
export const knownTransports = (values: readonly string[] | undefined): AuthenticatorTransport[] =>
  (values ?? []).filter((value): value is AuthenticatorTransport => (TRANSPORTS as readonly string[]).includes(value));

export function registrationResponseOf(answer: RegistrationAnswer): RegistrationResponseJSON {
  const { transports, ...response } = answer.response;
  return {
    id: answer.id,
    rawId: answer.rawId,
    type: answer.type,
    response: { ...response, transports: knownTransports(transports) },
    clientExtensionResults: {},
    ...(answer.authenticatorAttachment ? { authenticatorAttachment: answer.authenticatorAttachment } : {}),
  };
}

export function authenticationResponseOf(answer: AssertionAnswer): AuthenticationResponseJSON {
  const { userHandle, ...response } = answer.response;
  return {
    id: answer.id,
    rawId: answer.rawId,
    type: answer.type,
    response: { ...response, ...(userHandle ? { userHandle } : {}) },
    clientExtensionResults: {},
    ...(answer.authenticatorAttachment ? { authenticatorAttachment: answer.authenticatorAttachment } : {}),
  };
}

/** The challenge the browser signed, read from clientDataJSON (checked again by the library); null when unreadable. */
export function signedChallengeOf(clientDataJSON: string): string | null {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    if (typeof data !== "object" || data === null || !("challenge" in data)) return null;
    const challenge = (data as { challenge: unknown }).challenge;
    return typeof challenge === "string" && challenge.length > 0 && challenge.length <= 200 ? challenge : null;
  } catch {
    return null;
  }
}

/** The user handle Latchkey gives a passkey: the user's id, as UTF-8 bytes. */
export const userHandleOf = (userId: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(userId, "utf8"));
/** The user id a passkey's answer names (its user handle, base64url), or null. */
export const userIdOfHandle = (handle: string | undefined): string | null => (handle ? Buffer.from(handle, "base64url").toString("utf8") : null);
