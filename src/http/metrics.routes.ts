import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../deps.ts";
import { scrapeMetrics } from "../metrics/scrape.ts";
import { errorBody } from "./error-handler.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Whether an Authorization header carries METRICS_TOKEN (compared in constant time); true when no token is set. */
export function metricsAuthorized(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer (\S+)$/i.exec(authorization ?? "");
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * GET /metrics on the public port: only when METRICS_TOKEN is set, and only with it (decision
 * 0040). Without a token the route does not exist here, and metrics are served only on
 * METRICS_PORT, if that is set.
 */
export function metricsRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    const token = deps.config.metrics.token;
    if (!token) {
      // Not served here, and not a dashboard page either (the dashboard's fallback would answer 200 with its page).
      app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => reply.code(404).send(errorBody("NOT_FOUND", "Not found.")));
      return;
    }
    app.get(
      "/metrics",
      { schema: { hide: true, headers: z.object({ authorization: z.string().max(500).optional() }) } },
      async (request, reply) => {
        if (!metricsAuthorized(token, request.headers.authorization)) {
          return reply.code(401).header("www-authenticate", 'Bearer realm="metrics"').send(errorBody("UNAUTHENTICATED", "Metrics need the bearer token METRICS_TOKEN."));
        }
        const { contentType, body } = await scrapeMetrics(deps.database);
        return reply.type(contentType).send(body);
      },
    );
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The metrics listener on METRICS_PORT (METRICS_HOST, loopback by default): GET /metrics and
 * nothing else, apart from the service's own port, so a load balancer never forwards to it. Also
 * asks for METRICS_TOKEN when one is set.
 */
export async function startMetricsServer(deps: Pick<Deps, "config" | "database" | "logger">, port: number): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify(errorBody("NOT_FOUND", "Only GET /metrics is served here.")));
      return;
    }
    if (!metricsAuthorized(deps.config.metrics.token, request.headers.authorization)) {
      response.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="metrics"' }).end(JSON.stringify(errorBody("UNAUTHENTICATED", "Metrics need the bearer token METRICS_TOKEN.")));
      return;
    }
    scrapeMetrics(deps.database).then(
      ({ contentType, body }) => response.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(request.method === "HEAD" ? undefined : body),
      (error: unknown) => {
        deps.logger.error({ err: error }, "metrics scrape failed");
        response.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, deps.config.metrics.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
