import type { FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";

const BEARER_SCHEME = /^bearer(\s|$)/i;
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** Whether the request authenticates with `Authorization: Bearer …` (a machine client, decision 0029). */
export function isBearerRequest(request: FastifyRequest): boolean {
  const header = request.headers.authorization;
  return typeof header === "string" && BEARER_SCHEME.test(header);
}

/** The bearer token; null when the request has none (another scheme is not ours to read). */
export function bearerTokenOf(request: FastifyRequest): string | null {
  if (!isBearerRequest(request)) return null;
  const match = BEARER.exec(String(request.headers.authorization));
  if (!match?.[1]) throw new AppError("UNAUTHENTICATED", "The Authorization header must be: Bearer <access token>.");
  return match[1];
}
