import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { WEBHOOK_EVENT_TYPES, webhookEventCatalogue } from "../../../features/audit/webhook-event-types.ts";
import { createEndpoint } from "../../../features/webhooks/create-endpoint.ts";
import { deleteEndpoint } from "../../../features/webhooks/delete-endpoint.ts";
import { companyOwner } from "../../../features/webhooks/endpoint-owner.ts";
import { listDeliveries } from "../../../features/webhooks/list-deliveries.ts";
import { getEndpoint, listEndpoints } from "../../../features/webhooks/list-endpoints.ts";
import { redeliver } from "../../../features/webhooks/redeliver.ts";
import { rotateEndpointSecret } from "../../../features/webhooks/rotate-endpoint-secret.ts";
import { updateEndpoint } from "../../../features/webhooks/update-endpoint.ts";
import { actorOf, requireActor } from "../../middleware/session.ts";
import { IdParams, Ok, Uuid, errors } from "./schemas.ts";
import { noControlChars } from "../../../features/control-characters.ts";

const EventType = z.enum(WEBHOOK_EVENT_TYPES as [string, ...string[]]);
const Events = z.array(EventType).min(1, "Choose at least one event.").max(WEBHOOK_EVENT_TYPES.length * 2);
const Description = z.string().trim().max(200).refine(noControlChars, "Control characters are not allowed.");
const UrlText = z.string().trim().min(1, "Enter the endpoint's address.").max(2000);

const Endpoint = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  disabledReason: z.enum(["failing", "manual"]).nullable(),
  failingSince: z.string().nullable(),
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const Delivery = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempts: z.number(),
  responseCode: z.number().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});
const EventGroup = z.object({ id: z.string(), label: z.string(), events: z.array(z.object({ type: z.string(), description: z.string() })) });
const DeliveryParams = z.strictObject({ id: Uuid, deliveryId: Uuid });
const Page = z.strictObject({ before: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(100).default(25) });

const view = (endpoint: Awaited<ReturnType<typeof getEndpoint>>) => ({
  ...endpoint,
  disabledReason: endpoint.disabledReason as "failing" | "manual" | null,
  failingSince: endpoint.failingSince?.toISOString() ?? null,
  previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() ?? null,
  createdAt: endpoint.createdAt.toISOString(),
  updatedAt: endpoint.updatedAt.toISOString(),
});

/** The company's webhook endpoints: its administrators only (decision 0031). */
export function webhookRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requireActor(deps));
    const tags = ["webhooks"];

    app.get(
      "/webhook-endpoints",
      { schema: { tags, summary: "The company's webhook endpoints", response: { 200: z.object({ endpoints: z.array(Endpoint), eventGroups: z.array(EventGroup) }), ...errors(401, 403) } } },
      async (request) => ({ endpoints: (await listEndpoints(deps.db, companyOwner(actorOf(request)))).map(view), eventGroups: webhookEventCatalogue() }),
    );

    app.post(
      "/webhook-endpoints",
      {
        schema: {
          tags,
          summary: "Register a webhook endpoint; its signing secret is in this answer only",
          body: z.strictObject({ url: UrlText, events: Events, description: Description.optional() }),
          response: { 201: z.object({ endpoint: Endpoint, secret: z.string() }), ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (request, reply) => {
        const created = await createEndpoint(deps, companyOwner(actorOf(request)), request.body as { url: string; events: typeof WEBHOOK_EVENT_TYPES[number][]; description?: string });
        return reply.code(201).send({ endpoint: view(created.endpoint), secret: created.secret });
      },
    );

    app.get(
      "/webhook-endpoints/:id",
      { schema: { tags, summary: "One webhook endpoint", params: IdParams, response: { 200: Endpoint, ...errors(400, 401, 403, 404) } } },
      async (request) => view(await getEndpoint(deps.db, companyOwner(actorOf(request)), request.params.id)),
    );

    app.patch(
      "/webhook-endpoints/:id",
      {
        schema: {
          tags,
          summary: "Change an endpoint's address, events, description, or enable/disable it",
          params: IdParams,
          body: z.strictObject({ url: UrlText.optional(), events: Events.optional(), description: Description.optional(), enabled: z.boolean().optional() }),
          response: { 200: Endpoint, ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (request) =>
        view(await updateEndpoint(deps, companyOwner(actorOf(request)), request.params.id, request.body as Parameters<typeof updateEndpoint>[3])),
    );

    app.post(
      "/webhook-endpoints/:id/rotate-secret",
      {
        schema: {
          tags,
          summary: "A new signing secret (in this answer only); the old one signs too until previousSecretExpiresAt",
          params: IdParams,
          response: { 200: z.object({ secret: z.string(), previousSecretExpiresAt: z.string() }), ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const rotated = await rotateEndpointSecret(deps, companyOwner(actorOf(request)), request.params.id);
        return { secret: rotated.secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString() };
      },
    );

    app.delete(
      "/webhook-endpoints/:id",
      { schema: { tags, summary: "Delete an endpoint and its delivery log", params: IdParams, response: { 200: Ok, ...errors(400, 401, 403, 404) } } },
      async (request) => {
        await deleteEndpoint(deps, companyOwner(actorOf(request)), request.params.id);
        return { ok: true as const };
      },
    );

    app.get(
      "/webhook-endpoints/:id/deliveries",
      {
        schema: {
          tags,
          summary: "An endpoint's delivery log, newest first",
          params: IdParams,
          querystring: Page,
          response: { 200: z.object({ deliveries: z.array(Delivery), nextBefore: z.number().nullable() }), ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => listDeliveries(deps.db, companyOwner(actorOf(request)), request.params.id, request.query),
    );

    app.post(
      "/webhook-endpoints/:id/deliveries/:deliveryId/redeliver",
      { schema: { tags, summary: "Send a delivery's event again", params: DeliveryParams, response: { 202: z.object({ deliveryId: z.string() }), ...errors(400, 401, 403, 404) } } },
      async (request, reply) => reply.code(202).send(await redeliver(deps, companyOwner(actorOf(request)), request.params.id, request.params.deliveryId)),
    );
  };
}
