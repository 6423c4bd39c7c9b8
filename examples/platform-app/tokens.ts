// The two kinds of token that reach this app from outside and must be checked before they are
// believed: access tokens presented to its API (RFC 9068) and logout tokens posted by Latchkey
// (OpenID Connect Back-Channel Logout 1.0). Both are JWTs signed by Latchkey with RS256 and
// verified against Latchkey's published keys; nothing in them is trusted until jwtVerify passes.
import { createRemoteJWKSet, jwtVerify, errors, type JWTPayload, type JWTVerifyGetKey } from "jose";

export type Verified<Claims> = { ok: true; claims: Claims } | { ok: false; reason: string };

/** Latchkey's published signing keys, fetched from jwks_uri and cached (refetched for an unknown kid). */
export function latchkeyKeys(jwksUri: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUri));
}

/** The claims of an access token this app's API relies on. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  scope?: string;
  company_id?: string;
  company_role?: string;
  company_access?: string;
  home_company_id?: string;
}

export interface AccessTokenChecks {
  /** The issuer from Latchkey's discovery document, compared exactly. */
  issuer: string;
  /** This API's resource indicator (APP_URL + "/api"): a token minted for another API is refused. */
  audience: string;
  keys: JWTVerifyGetKey;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header ?? "");
  return match?.[1] ?? null;
}

export async function verifyAccessToken(token: string, checks: AccessTokenChecks): Promise<Verified<AccessTokenClaims>> {
  try {
    const { payload } = await jwtVerify<AccessTokenClaims>(token, checks.keys, {
      issuer: checks.issuer,
      audience: checks.audience,
      // RFC 9068's type: an ID token or a logout token, signed by the same key, is not an access token.
      typ: "at+jwt",
      // Named, never taken from the token's header: this refuses "none" and HS256 keyed with the public key.
      algorithms: ["RS256"],
      requiredClaims: ["exp", "iat", "sub", "client_id"],
    });
    return { ok: true, claims: payload };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  }
}

export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** What a valid logout token says: which Latchkey session (sid) and/or which user (sub) ended. */
export interface LogoutClaims {
  sid?: string;
  sub?: string;
  jti: string;
}

export interface LogoutTokenChecks {
  issuer: string;
  /** This app's client id: a logout token is addressed to one client. */
  clientId: string;
  keys: JWTVerifyGetKey;
  /** How old `iat` may be; Latchkey signs a fresh token for every delivery attempt. Default 2 minutes. */
  maxAgeSeconds?: number;
}

/**
 * A verifier of logout tokens as OIDC Back-Channel Logout 1.0 §2.6 asks. It remembers the `jti`
 * of every token it accepted until that token expires, so a captured token posted again is refused.
 */
export function createLogoutTokenVerifier(checks: LogoutTokenChecks): (token: string) => Promise<Verified<LogoutClaims>> {
  const maxAgeSeconds = checks.maxAgeSeconds ?? 120;
  const seen = new Map<string, number>();

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, checks.keys, {
        issuer: checks.issuer,
        audience: checks.clientId,
        typ: "logout+jwt",
        algorithms: ["RS256"],
        requiredClaims: ["iat", "exp", "jti"],
        maxTokenAge: maxAgeSeconds,
        clockTolerance: 30,
      }));
    } catch (error) {
      return { ok: false, reason: describe(error) };
    }

    const events = payload.events;
    if (!isRecord(events) || !isRecord(events[BACKCHANNEL_LOGOUT_EVENT])) return { ok: false, reason: "no back-channel logout event" };
    // A logout token that carries a nonce could be an ID token replayed at this endpoint.
    if ("nonce" in payload) return { ok: false, reason: "a logout token must not contain a nonce" };
    const sid = typeof payload.sid === "string" && payload.sid !== "" ? payload.sid : undefined;
    const sub = typeof payload.sub === "string" && payload.sub !== "" ? payload.sub : undefined;
    if (!sid && !sub) return { ok: false, reason: "neither sid nor sub" };
    const jti = String(payload.jti);

    const now = Date.now();
    for (const [id, expiresAt] of seen) if (expiresAt < now) seen.delete(id);
    if (seen.has(jti)) return { ok: false, reason: "this logout token was already used" };
    // Remembered a little past exp plus the clock tolerance, the longest jwtVerify would accept it.
    seen.set(jti, ((payload.exp ?? 0) + 60) * 1000);

    return { ok: true, claims: { jti, ...(sid ? { sid } : {}), ...(sub ? { sub } : {}) } };
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A reason for the log; the client only ever sees "invalid". */
function describe(error: unknown): string {
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
