import type { FastifyInstance, FastifyRequest } from "fastify";
import { metrics } from "../metrics/metrics.ts";
import { isProviderRequest } from "./oidc/mount.ts";

/** The provider's own paths (src/oidc/provider.ts), longest first; any other spelling under /oidc is one label. */
const PROVIDER_ROUTES = [
  "/oidc/token/introspection",
  "/oidc/token/revocation",
  "/oidc/session/end/confirm",
  "/oidc/session/end/success",
  "/oidc/session/end",
  "/oidc/device/auth",
  "/oidc/backchannel",
  "/oidc/challenge",
  "/oidc/request",
  "/oidc/token",
  "/oidc/auth",
  "/oidc/jwks",
  "/oidc/me",
  "/oidc/reg",
  "/oidc/device",
];

/**
 * The route a request is counted under: Fastify's route template (/api/v1/users/:id), never the
 * path. The OpenID provider answers before Fastify routes (decision 0027), so its paths are
 * matched against its fixed list; a path no route matched is "unmatched" (404s, the dashboard's
 * client-side pages), so a scan of random paths adds no series.
 */
export function routeLabel(request: FastifyRequest): string {
  const rawUrl = request.raw.url ?? "/";
  if (isProviderRequest(rawUrl)) {
    const path = rawUrl.split("?")[0]?.toLowerCase().replace(/\/$/, "") ?? "";
    if (path.startsWith("/.well-known/")) return "/.well-known/openid-configuration";
    return PROVIDER_ROUTES.find((route) => path === route || path.startsWith(`${route}/`)) ?? "/oidc/*";
  }
  return request.routeOptions.url ?? "unmatched";
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * Counts and times every answer, the provider's hijacked ones included: measured from the raw
 * response's end, which every answer reaches, rather than from Fastify's onResponse hook, which a
 * hijacked reply skips. Registered before every other hook, so the time includes them.
 */
export function trackHttpMetrics(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    const started = performance.now();
    reply.raw.once("finish", () => {
      const method = METHODS.has(request.method) ? request.method : "OTHER";
      const route = routeLabel(request);
      const status = reply.raw.statusCode;
      metrics.httpRequests.inc({ method, route, status: String(status) });
      metrics.httpDuration.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, (performance.now() - started) / 1000);
    });
    done();
  });
}
