import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../../features/auth/actor.ts";
import { findActorBySessionToken } from "../../features/auth/sessions.ts";

declare module "fastify" {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export function sessionCookieName(publicUrl: string): string {
  // The __Host- prefix pins the cookie to this exact origin; browsers accept it only over HTTPS.
  return publicUrl.startsWith("https://") ? "__Host-latchkey_session" : "latchkey_session";
}

export function sessionCookieOptions(deps: Deps) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: deps.config.publicUrl.startsWith("https://"),
    path: "/",
    maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
  };
}

export function setSessionCookie(deps: Deps, reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookieName(deps.config.publicUrl), token, sessionCookieOptions(deps));
}

export function clearSessionCookie(deps: Deps, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(deps.config.publicUrl), { path: "/" });
}

/** Resolves the actor from the cookie, or throws UNAUTHENTICATED. Runs on every request: no cache. */
export function requireActor(deps: Deps) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = request.cookies[sessionCookieName(deps.config.publicUrl)];
    if (!token || token.length > 200) throw new AppError("UNAUTHENTICATED");
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
