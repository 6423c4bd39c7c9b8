import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../deps.ts";

export function healthRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/healthz", { schema: { tags: ["health"], response: { 200: z.object({ status: z.literal("ok") }) } } }, async () => ({
      status: "ok" as const,
    }));
    app.get(
      "/readyz",
      { schema: { tags: ["health"], response: { 200: z.object({ status: z.literal("ready") }), 503: z.object({ status: z.literal("unavailable") }) } } },
      async (_request, reply) => {
        try {
          await deps.database.ping();
          return { status: "ready" as const };
        } catch {
          return reply.code(503).send({ status: "unavailable" as const });
        }
      },
    );
  };
}
