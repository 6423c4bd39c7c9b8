import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import type { Actor, PersonActor } from "../../features/access/actor.ts";
import { authenticateApiClient } from "../../features/api-clients/authenticate-api-client.ts";
import { findActorBySessionToken } from "../../features/auth/sessions.ts";
import { bearerTokenOf } from "./bearer.ts";
import { cookieAttributes, sessionCookieName, signInChallengeCookieName } from "./cookies.ts";
import { CSRF_RENEW_HEADER, rotateCsrfSecret } from "./csrf.ts";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/**
 * The session cookie changed, so every CSRF token made before is void: a new secret too, and a
 * header telling the dashboard to fetch a new token (it cannot see HttpOnly cookies change).
 */
function renewCsrf(deps: Deps, reply: FastifyReply): void {
  rotateCsrfSecret(deps.config, reply);
  reply.header(CSRF_RENEW_HEADER, "1");
}

export function setSessionCookie(deps: Deps, reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookieName(deps.config.publicUrl), token, { ...cookieAttributes(deps.config, "lax"), maxAge: Math.floor(deps.config.sessionTtlMs / 1000) });
  renewCsrf(deps, reply);
}

/** Signs the browser out: the session cookie goes, cleared with the attributes it was set with. */
export function clearSessionCookie(deps: Deps, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(deps.config.publicUrl), cookieAttributes(deps.config, "lax"));
  renewCsrf(deps, reply);
}

/** Binds a half-finished sign-in to this browser until it expires; never a session. */
export function setSignInChallengeCookie(deps: Deps, reply: FastifyReply, token: string, expiresAt: Date): void {
  const maxAge = Math.max(1, Math.floor((expiresAt.getTime() - deps.clock.now().getTime()) / 1000));
  reply.setCookie(signInChallengeCookieName(deps.config.publicUrl), token, { ...cookieAttributes(deps.config, "lax"), maxAge });
}

export function clearSignInChallengeCookie(deps: Deps, reply: FastifyReply): void {
  reply.clearCookie(signInChallengeCookieName(deps.config.publicUrl), cookieAttributes(deps.config, "lax"));
}

export function signInChallengeOf(deps: Deps, request: FastifyRequest): string | undefined {
  return request.cookies[signInChallengeCookieName(deps.config.publicUrl)];
}

/** The header a machine client of a multi-company profile names the linked company it acts in by (decision 0030). */
export const ACTING_COMPANY_HEADER = "latchkey-company";

async function clientActor(deps: Deps, request: FastifyRequest, token: string): Promise<Actor> {
  const named = request.headers[ACTING_COMPANY_HEADER];
  if (Array.isArray(named)) throw new AppError("VALIDATION_FAILED", "Give Latchkey-Company once.");
  const keys = await deps.oidc.accessTokenKeys();
  return authenticateApiClient({ db: deps.db, config: deps.config, now: deps.clock.now() }, keys, { token, actingCompanyId: named, clientAddress: request.ip });
}

/**
 * Resolves the actor: a person from the session cookie, or a company's machine client from a bearer
 * token (the app refused a request carrying both before this runs). Throws UNAUTHENTICATED. Runs on
 * every request: no cache.
 */
export function requireActor(deps: Deps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const bearer = bearerTokenOf(request);
    if (bearer !== null) {
      try {
        request.actor = await clientActor(deps, request, bearer);
      } catch (error) {
        if (error instanceof AppError && error.code === "UNAUTHENTICATED") reply.header("www-authenticate", 'Bearer error="invalid_token"');
        throw error;
      }
      return;
    }
    const token = request.cookies[sessionCookieName(deps.config.publicUrl)];
    const actor = await findActorBySessionToken(deps.db, token, deps.clock.now(), request.ip);
    if (!actor) throw new AppError("UNAUTHENTICATED");
    request.actor = actor;
  };
}

/**
 * For what only a signed-in person does (their own account, signing out, switching company, the
 * dashboard's own answers): a machine client is told so, not merely refused.
 */
export function requirePerson(deps: Deps) {
  const resolve = requireActor(deps);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await resolve(request, reply);
    if (request.actor?.client) throw new AppError("SESSION_REQUIRED");
  };
}

/** For handlers behind requireActor: the actor, typed as present. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError("UNAUTHENTICATED");
  return request.actor;
}

/** For handlers behind requirePerson: the signed-in person. */
export function personOf(request: FastifyRequest): PersonActor {
  const actor = actorOf(request);
  if (actor.client) throw new AppError("SESSION_REQUIRED");
  return actor;
}
