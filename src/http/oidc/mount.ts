import type { FastifyInstance, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { Deps } from "../../deps.ts";
import type { InFlightRequests } from "../in-flight.ts";
import { countRateLimitRefusals } from "../../features/rate-limit.ts";

const PROVIDER_PATH = /^\/oidc(\/|$)/i;
const DISCOVERY_PATH = /^\/\.well-known\/openid-configuration\/?$/i;

/**
 * Whether a request belongs to the OpenID provider, read from the raw path, never decoded — the
 * way the provider's own router matches (case-insensitive, one trailing slash). This one answer
 * both hands the request over and exempts it from Latchkey's CSRF check (decision 0017): no
 * spelling can be exempted from one and refused by the other.
 */
export function isProviderRequest(rawUrl: string): boolean {
  const query = rawUrl.indexOf("?");
  const path = query === -1 ? rawUrl : rawUrl.slice(0, query);
  return PROVIDER_PATH.test(path) || DISCOVERY_PATH.test(path);
}

/**
 * The issuer and every URL the provider builds come from PUBLIC_URL, never from the request; the
 * client address is the one Fastify decided under TRUST_PROXY (decision 0018). The provider runs
 * with `proxy = true` and so reads only what this wrote.
 */
export function pinProviderHeaders(request: FastifyRequest, publicUrl: string): void {
  const url = new URL(publicUrl);
  const headers = request.raw.headers;
  headers.host = url.host;
  headers["x-forwarded-host"] = url.host;
  headers["x-forwarded-proto"] = url.protocol.slice(0, -1);
  headers["x-forwarded-for"] = request.ip;
  delete headers.forwarded;
  delete headers["x-forwarded-port"];
  delete headers["x-forwarded-prefix"];
}

/**
 * Mounts the provider (a Koa application) in front of Fastify's routing: one onRequest hook, after
 * the security headers and the in-flight count, before the CSRF check and every plugin (decision
 * 0027, section 2). The provider reads the body stream itself, so Fastify must not.
 */
export function mountOidcProvider(app: FastifyInstance, deps: Deps, inFlight: InFlightRequests, closing: () => boolean): void {
  const perMinute = deps.config.globalRateLimitPerMinute;
  let windowStart = Date.now();
  let count = 0;
  // Koa composes its middleware anew on every callback(): once per provider instance.
  const handlers = new WeakMap<object, ReturnType<Provider["callback"]>>();

  app.addHook("onRequest", async (request, reply) => {
    if (!isProviderRequest(request.raw.url ?? "/")) return;
    const raw = request.raw;
    const res = reply.raw;
    reply.hijack();
    res.once("close", () => inFlight.end(request));

    // The coarse per-instance flood guard the API has through @fastify/rate-limit, which never sees these.
    if (perMinute > 0) {
      const now = Date.now();
      if (now - windowStart >= 60_000) {
        windowStart = now;
        count = 0;
      }
      if (++count > perMinute) {
        countRateLimitRefusals(["global"]);
        res.writeHead(429, { "content-type": "application/json", "retry-after": String(Math.ceil((windowStart + 60_000 - now) / 1000)), "cache-control": "no-store" });
        res.end(JSON.stringify({ error: "temporarily_unavailable", error_description: "too many requests" }));
        return;
      }
    }

    pinProviderHeaders(request, deps.config.publicUrl);

    // Fastify's onSend never runs for a hijacked reply: no-store unless the provider says otherwise.
    res.setHeader("cache-control", "no-store");
    if (closing()) res.setHeader("connection", "close");

    try {
      const provider = await deps.oidc.current();
      let handle = handlers.get(provider);
      if (!handle) {
        handle = provider.callback();
        handlers.set(provider, handle);
      }
      await handle(raw, res);
    } catch (error) {
      deps.logger.error({ err: error }, "the openid provider could not answer");
      if (!res.headersSent) {
        res.writeHead(503, { "content-type": "application/json", "retry-after": "5", "cache-control": "no-store" });
        res.end(JSON.stringify({ error: "temporarily_unavailable", error_description: "the service is not available right now" }));
      }
    }
  });
}
