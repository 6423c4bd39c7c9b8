import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { webhookCatalogueDocument } from "./http/api/v1/webhook-catalogue.ts";
import helmet from "helmet";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Deps } from "./deps.ts";
import { AppError } from "./errors.ts";
import { retryAfter } from "./features/rate-limit.ts";
import { errorBody, installErrorHandler, sendError } from "./http/error-handler.ts";
import { sessionCookieName } from "./http/middleware/cookies.ts";
import { hasValidCsrfToken } from "./http/middleware/csrf.ts";
import { isBearerRequest } from "./http/middleware/bearer.ts";
import { registerApiRoutes } from "./http/api/v1/index.ts";
import { securitySchemes, withSecurity } from "./http/api/v1/openapi-security.ts";
import { healthRoutes } from "./http/health.routes.ts";
import { trackHttpMetrics } from "./http/http-metrics.ts";
import { metricsRoutes } from "./http/metrics.routes.ts";
import { countRateLimitRefusals } from "./features/rate-limit.ts";
import { InFlightRequests, trackInFlight } from "./http/in-flight.ts";
import { mountOidcProvider } from "./http/oidc/mount.ts";
import { interactionRoutes } from "./http/oidc/interaction.routes.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** Requests whose work may still touch the database; shutdown waits for them (in-flight.ts). */
    inFlight: InFlightRequests;
  }
}

const webDist = fileURLToPath(new URL("../web/dist", import.meta.url));
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const BODY_LIMIT_BYTES = 64 * 1024;

/** A hop count trusts the connection and the hops the nearest proxies added, n in all, counted from the right. */
function trustProxyOption(trust: Deps["config"]["trustProxy"]) {
  return typeof trust === "number" ? (_address: string, hop: number) => hop < trust : trust;
}

/** HTTP plugins and routes. Tests call this with their own deps and use `app.inject`. */
export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export async function buildApp(deps: Deps): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOption(deps.config.trustProxy),
    // Prototype-pollution keys in JSON bodies are refused, not silently merged.
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    routerOptions: { maxParamLength: 200 },
    // A malformed or over-long URL is refused by the router before any handler: answer it in the
    // contract's error shape too, without echoing the URL back.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      void (reply as unknown as FastifyReply).code(status).send(errorBody("VALIDATION_FAILED", "The address of this request is not valid."));
    },
  }).withTypeProvider<ZodTypeProvider>();

  trackHttpMetrics(app as unknown as FastifyInstance);
  const inFlight = new InFlightRequests();
  app.decorate("inFlight", inFlight);
  // The background workers rest while this app is busy answering (decision 0052).
  deps.pacer.watch(inFlight);
  trackInFlight(app as unknown as FastifyInstance, inFlight);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  app.decorateRequest("actor", null);

  const https = deps.config.publicUrl.startsWith("https://");
  // Security headers on every answer. Built once: @fastify/helmet builds helmet's middleware anew
  // on every request (in two async hooks), a measurable part of a login's own CPU (decision 0014).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        // Helmet's default would allow fonts from any https origin; no third party is needed.
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  app.addHook("onRequest", (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, () => done());
  });
  // On shutdown, a keep-alive connection whose request was in flight would otherwise stay open
  // until its keep-alive timeout (72 s) and hold the process past any process manager's grace period.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  // The OpenID provider answers its own paths before anything below runs (decision 0027): it
  // authenticates its clients itself and reads its own bodies, so neither the CSRF check nor a parser sees them.
  await deps.oidc.current();
  mountOidcProvider(app as unknown as FastifyInstance, deps, inFlight, () => closing);
  await app.register(fastifyCookie);
  if (deps.config.globalRateLimitPerMinute > 0) {
    // A coarse, per-instance flood guard. The limits that matter (login, resets) live in the database.
    await app.register(fastifyRateLimit, {
      max: deps.config.globalRateLimitPerMinute,
      timeWindow: 60_000,
      onExceeded: () => countRateLimitRefusals(["global"]),
      // Says how long to wait, like every other limit (the error handler adds Retry-After).
      errorResponseBuilder: (_request, context) => retryAfter(context.ttl / 1000, "requests from your address"),
    });
  }

  // Every state change needs the CSRF token, whatever the path: the router decodes a path that
  // the raw URL spells otherwise (/%61pi/…), so a rule read from the URL can be walked around.
  // A bearer request (a machine client, decision 0029) carries no cookie and so needs no CSRF token:
  // a browser cannot send an Authorization header to another site without a preflight, which is not
  // allowed. One carrying a session cookie too is refused — one credential, or the other.
  app.addHook("onRequest", async (request) => {
    // Only the Bearer scheme: a browser attaches cached Basic credentials (a proxy's) to cross-site posts by itself.
    const bearer = isBearerRequest(request);
    if (bearer && request.cookies[sessionCookieName(deps.config.publicUrl)] !== undefined) throw new AppError("CREDENTIALS_AMBIGUOUS");
    if (!SAFE_METHODS.has(request.method) && !bearer && !hasValidCsrfToken(deps.config, request)) throw new AppError("CSRF_INVALID");
  });
  app.addHook("onSend", (_request, reply, payload, done) => {
    // Nothing is cached unless it says so itself (the dashboard's static files): the rule looks at
    // the answer, not at how its path was spelt. Pages, which read tokens from the URL, never are.
    if (!reply.hasHeader("cache-control") || String(reply.getHeader("content-type") ?? "").startsWith("text/html")) reply.header("cache-control", "no-store");
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: "Latchkey API", version: "1", description: "Users, roles and the password life cycle." },
      components: { securitySchemes: securitySchemes(deps.config.publicUrl) as never },
      // The webhook event catalogue needs OpenAPI 3.1 (decision 0032). The plugin types `webhooks` as
      // the intersection of 3.0 and 3.1 schema objects, which no JSON Schema 2020-12 document satisfies.
      openapi: "3.1.0",
      webhooks: webhookCatalogueDocument() as never,
    },
    transform: (input) => withSecurity(jsonSchemaTransform(input), input.route.method, input.url),
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/api/docs", staticCSP: true });
  app.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(deps));
  await app.register(metricsRoutes(deps));
  await app.register(registerApiRoutes(deps), { prefix: "/api/v1" });
  await app.register(interactionRoutes(deps), { prefix: "/interaction" });

  const hasWeb = existsSync(`${webDist}/index.html`);
  if (hasWeb) await app.register(fastifyStatic, { root: webDist, wildcard: false, index: false });
  app.setNotFoundHandler((request, reply) => {
    if ((request.method === "GET" || request.method === "HEAD") && !request.url.startsWith("/api/") && hasWeb) {
      // The dashboard routes on the client: every page is index.html (HEAD answers as GET would, without the body).
      return reply.type("text/html").sendFile("index.html");
    }
    return sendError(reply, "NOT_FOUND");
  });
  return app;
}
