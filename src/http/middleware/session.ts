import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../../features/access/actor.ts";
import { findActorBySessionToken } from "../../features/auth/sessions.ts";
import { cookieAttributes, sessionCookieName } from "./cookies.ts";
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

/** Resolves the actor from the cookie, or throws UNAUTHENTICATED. Runs on every request: no cache. */
export function requireActor(deps: Deps) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = request.cookies[sessionCookieName(deps.config.publicUrl)];
    const actor = await findActorBySessionToken(deps.db, token, deps.clock.now(), request.ip);
    if (!actor) throw new AppError("UNAUTHENTICATED");
    request.actor = actor;
  };
}

/** For handlers behind requireActor: the actor, typed as present. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError("UNAUTHENTICATED");
  return request.actor;
}
