// Everything this app says to Latchkey, through openid-client (a certified relying-party library):
// discovery, the authorization request with PKCE, the code exchange, refresh, and the sign-out URL.
import * as client from "openid-client";
import type { JWTVerifyGetKey } from "jose";
import type { AppSettings } from "./config.ts";
import type { CompanyRequest, IdentityClaims, PendingSignIn, SignedIn } from "./sessions.ts";
import { latchkeyKeys } from "./tokens.ts";

/** `company` is Latchkey's own scope (the acting company and the role there); offline_access asks for a refresh token. */
const SCOPE = "openid email profile company offline_access";

export interface Latchkey {
  configuration: client.Configuration;
  /** The issuer exactly as Latchkey's discovery document states it, for checking tokens. */
  issuer: string;
  keys: JWTVerifyGetKey;
}

/** Discovery failed: Latchkey is down, or LATCHKEY_ISSUER names something else. */
export class LatchkeyUnreachable extends Error {}

/**
 * Discovers Latchkey once, on first use, and again after a failure (Latchkey may start after this
 * app). Discovery checks that the document's issuer is the one configured.
 */
export function latchkeyConnection(settings: AppSettings): () => Promise<Latchkey> {
  let connecting: Promise<Latchkey> | null = null;
  return () => {
    connecting ??= connect(settings).catch((error: unknown) => {
      connecting = null;
      throw new LatchkeyUnreachable(`discovery at ${settings.issuer.href} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    return connecting;
  };
}

async function connect(settings: AppSettings): Promise<Latchkey> {
  // A confidential client authenticates with its secret in the Authorization header (client_secret_basic);
  // a public one with nothing but PKCE.
  const authentication = settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None();
  const configuration = await client.discovery(settings.issuer, settings.clientId, undefined, authentication, {
    // openid-client refuses plain http. Allowed here only for a Latchkey on http:// during
    // development; drop this in production, where Latchkey is served over https.
    ...(settings.issuer.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : {}),
  });
  const metadata = configuration.serverMetadata();
  if (!metadata.jwks_uri) throw new Error("Latchkey's discovery document has no jwks_uri");
  return { configuration, issuer: metadata.issuer, keys: latchkeyKeys(metadata.jwks_uri) };
}

/** The URL that sends the browser to Latchkey's sign-in, and what to remember until it comes back. */
export async function startSignIn(latchkey: Latchkey, settings: AppSettings, company: CompanyRequest): Promise<{ url: URL; pending: PendingSignIn }> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const pending: PendingSignIn = { codeVerifier, state: client.randomState(), nonce: client.randomNonce(), startedAt: Date.now() };
  const parameters: Record<string, string> = {
    redirect_uri: settings.redirectUri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
    // An access token for this app's own API: a JWT with this audience (RFC 8707, RFC 9068).
    resource: settings.apiAudience,
  };
  // `select`: Latchkey shows the companies this person may act in, and the tokens name the one chosen.
  // A company id: that company, if Latchkey finds the person may act in it now; otherwise access_denied.
  if (company.kind === "select") parameters.company = "select";
  if (company.kind === "named") parameters.company = company.id;
  return { url: client.buildAuthorizationUrl(latchkey.configuration, parameters), pending };
}

/** Checks Latchkey's answer at /callback (state, iss, PKCE, nonce, the ID token) and exchanges the code. */
export async function finishSignIn(latchkey: Latchkey, pending: PendingSignIn, callbackUrl: URL): Promise<SignedIn> {
  const tokens = await client.authorizationCodeGrant(latchkey.configuration, callbackUrl, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) throw new Error("Latchkey sent no ID token");
  return signedIn(tokens, claims as IdentityClaims, tokens.id_token, null);
}

/**
 * New tokens for a sign-in. Latchkey rotates refresh tokens and treats a rotated token presented
 * again as stolen (the whole sign-in is revoked), so callers must never run two at once for one
 * session: see `freshTokens` in server.ts. Null when Latchkey refuses (the sign-in has ended).
 */
export async function refresh(latchkey: Latchkey, settings: AppSettings, user: SignedIn): Promise<SignedIn | null> {
  if (!user.refreshToken) return null;
  try {
    const tokens = await client.refreshTokenGrant(latchkey.configuration, user.refreshToken, { resource: settings.apiAudience });
    const claims = (tokens.claims() as IdentityClaims | undefined) ?? user.claims;
    return signedIn(tokens, claims, tokens.id_token ?? user.idToken, user);
  } catch (error) {
    if (error instanceof client.ResponseBodyError && error.error === "invalid_grant") return null;
    throw error;
  }
}

/** Latchkey's sign-out page, which comes back to this app's home page afterwards. */
export function signOutUrl(latchkey: Latchkey, settings: AppSettings, user: SignedIn): URL {
  return client.buildEndSessionUrl(latchkey.configuration, {
    id_token_hint: user.idToken,
    post_logout_redirect_uri: settings.postLogoutRedirectUri,
  });
}

function signedIn(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, claims: IdentityClaims, idToken: string, previous: SignedIn | null): SignedIn {
  return {
    claims,
    sid: typeof claims.sid === "string" ? claims.sid : previous?.sid,
    idToken,
    accessToken: tokens.access_token,
    accessTokenExpiresAt: Date.now() + (tokens.expiresIn() ?? 60) * 1000,
    refreshToken: tokens.refresh_token ?? previous?.refreshToken,
  };
}
