import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config.ts";
import { cookieAttributes, csrfCookieName, sessionCookieName } from "./cookies.ts";

/** On an answer that signed the browser in or out: the dashboard's CSRF token is void, fetch another. */
export const CSRF_RENEW_HEADER = "x-csrf-renew";

const SECRET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * A CSRF token is bound to its secret (an HttpOnly cookie of its own) and to the session cookie
 * the request carries: HMAC(secret, session). A token made for one session, or for none, fails
 * with any other, so an attacker who plants their own secret and token in a victim's browser
 * gains nothing once the victim is signed in (decision 0017).
 */
function tokenFor(secret: string, sessionToken: string): string {
  return createHmac("sha256", secret).update(`latchkey-csrf\0${sessionToken}`).digest("base64url");
}

function secretOf(config: Pick<Config, "publicUrl">, request: FastifyRequest): string | null {
  const secret = request.cookies[csrfCookieName(config.publicUrl)];
  return secret && SECRET_FORMAT.test(secret) ? secret : null;
}

const sessionOf = (config: Pick<Config, "publicUrl">, request: FastifyRequest) => request.cookies[sessionCookieName(config.publicUrl)] ?? "";

/** A new secret: every token made before stops working. Done whenever the session cookie is set or cleared. */
export function rotateCsrfSecret(config: Pick<Config, "publicUrl">, reply: FastifyReply): string {
  const secret = randomBytes(32).toString("base64url");
  reply.setCookie(csrfCookieName(config.publicUrl), secret, cookieAttributes(config, "strict"));
  return secret;
}

/** The token for this request's session, creating the secret cookie when the browser has none. */
export function issueCsrfToken(config: Pick<Config, "publicUrl">, request: FastifyRequest, reply: FastifyReply): string {
  const secret = secretOf(config, request) ?? rotateCsrfSecret(config, reply);
  return tokenFor(secret, sessionOf(config, request));
}

/** True when the x-csrf-token header holds the token of this request's secret and session. */
export function hasValidCsrfToken(config: Pick<Config, "publicUrl">, request: FastifyRequest): boolean {
  const secret = secretOf(config, request);
  const header = request.headers["x-csrf-token"];
  if (!secret || typeof header !== "string") return false;
  const expected = Buffer.from(tokenFor(secret, sessionOf(config, request)));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
