import type { Config } from "../../config.ts";

const overHttps = (publicUrl: string) => publicUrl.startsWith("https://");

// The __Host- prefix pins a cookie to this exact origin; browsers accept it only over HTTPS.
export function sessionCookieName(publicUrl: string): string {
  return overHttps(publicUrl) ? "__Host-latchkey_session" : "latchkey_session";
}

/** The half-finished sign-in's cookie (decision 0037): its value's SHA-256 finds the challenge. */
export function signInChallengeCookieName(publicUrl: string): string {
  return overHttps(publicUrl) ? "__Host-latchkey_sign_in" : "latchkey_sign_in";
}

export function csrfCookieName(publicUrl: string): string {
  return overHttps(publicUrl) ? "__Host-latchkey_csrf" : "latchkey_csrf";
}

/**
 * What every cookie Latchkey sets carries, whether it sets or clears it: a browser ignores the
 * clearing of a __Host- cookie sent without Secure, so a sign-out over HTTPS would leave it in place.
 */
export function cookieAttributes(config: Pick<Config, "publicUrl">, sameSite: "lax" | "strict") {
  return { httpOnly: true, sameSite, secure: overHttps(config.publicUrl), path: "/" };
}

/** The passwordless passkey ceremony in progress (decision 0038): names its challenge row, nothing more. */
export function passkeyCeremonyCookieName(publicUrl: string): string {
  return overHttps(publicUrl) ? "__Host-latchkey_passkey" : "latchkey_passkey";
}
