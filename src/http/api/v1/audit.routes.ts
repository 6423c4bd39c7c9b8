import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { auditEventsCsv, listAuditEvents } from "../../../features/audit/list-audit-events.ts";
import { actorOf, requireActor } from "../../middleware/session.ts";
import { Uuid, errors } from "./schemas.ts";

const Filters = z.strictObject({
  companyId: Uuid.optional(),
  includeLinked: z.enum(["true", "false"]).optional().transform((v) => v === "true"),
  actor: z.string().trim().max(200).optional(),
  action: z.string().trim().max(100).optional(),
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().transform((v) => (v ? new Date(v) : undefined)),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().transform((v) => (v ? new Date(v) : undefined)),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const Event = z.object({
  id: z.number(),
  at: z.string(),
  action: z.string(),
  outcome: z.string(),
  actor: z.object({ name: z.string(), email: z.string() }).nullable(),
  /** A machine client that acted (issue 17); `label` is how to show it: "API client Billing sync of Northwind". */
  actorClient: z.object({ id: z.string(), name: z.string(), label: z.string() }).nullable(),
  actorCompany: z.string().nullable(),
  actingCompany: z.string().nullable(),
  target: z.object({ name: z.string(), email: z.string() }).nullable(),
  targetCompany: z.string().nullable(),
  grantId: z.string().nullable(),
  clientAddress: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** The audit log viewer: administrators only, their company (and, for a parent, its linked companies). */
export function auditRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requireActor(deps));

    app.get(
      "/audit-events",
      { schema: { tags: ["audit"], summary: "Audit events, newest first", querystring: Filters, response: { 200: z.object({ events: z.array(Event), nextBefore: z.number().nullable() }), ...errors(400, 401, 403, 404) } } },
      async (request) => listAuditEvents(deps.db, actorOf(request), request.query),
    );

    app.get(
      "/audit-events/export.csv",
      { schema: { tags: ["audit"], summary: "Audit events as CSV (same filters)", querystring: Filters.omit({ before: true, limit: true }), produces: ["text/csv"], response: { 200: z.string(), ...errors(400, 401, 403, 404) } } },
      async (request, reply) => {
        const csv = await auditEventsCsv(deps.db, actorOf(request), { ...request.query, limit: null });
        return reply.type("text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="audit-log.csv"').send(csv);
      },
    );
  };
}
