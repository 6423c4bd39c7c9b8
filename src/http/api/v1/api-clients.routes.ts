import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { API_SCOPE_DESCRIPTIONS, API_SCOPE_NAMES } from "../../../features/access/api-scopes.ts";
import { apiAudience } from "../../../features/api-clients/api-audience.ts";
import type { ApiClientSummary as ApiClientRow } from "../../../features/api-clients/api-clients.queries.ts";
import { createApiClient } from "../../../features/api-clients/create-api-client.ts";
import { deleteApiClient } from "../../../features/api-clients/delete-api-client.ts";
import { listApiClients } from "../../../features/api-clients/list-api-clients.ts";
import { rotateApiClientSecret } from "../../../features/api-clients/rotate-api-client-secret.ts";
import { actorOf, requireActor } from "../../middleware/session.ts";
import { ApiClientName, Ok, errors } from "./schemas.ts";

const ApiScope = z.enum(API_SCOPE_NAMES as [string, ...string[]]);
export const CreateApiClientBody = z.strictObject({
  name: ApiClientName,
  scopes: z.array(z.string().max(50)).max(20),
});
const ClientIdParams = z.strictObject({ id: z.string().regex(/^[0-9a-f]{32}$/, "Not a valid API client id.") });

const ApiClient = z.object({
  id: z.string().describe("The client_id for the token endpoint"),
  name: z.string(),
  scopes: z.array(ApiScope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe("Last API request, to the minute"),
  createdBy: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("user"), name: z.string() }),
    z.object({ kind: z.literal("operator") }),
    z.object({ kind: z.literal("deleted_user") }),
  ]),
});
/** What a back end needs to get tokens, shown with the secret. */
const Credentials = z.object({
  clientSecret: z.string().describe("Shown once: only its digest is kept"),
  tokenEndpoint: z.string(),
  audience: z.string().describe("The resource to ask tokens for"),
});

const clientJson = (client: ApiClientRow): z.infer<typeof ApiClient> => ({
  id: client.id,
  name: client.name,
  scopes: client.scopes,
  createdAt: client.createdAt.toISOString(),
  lastUsedAt: client.lastUsedAt?.toISOString() ?? null,
  createdBy: client.createdBy,
});

/** The acting company's machine clients (decision 0028): its administrators only; a machine client never manages clients. */
export function apiClientRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requireActor(deps));
    const tags = ["API clients"];
    const credentials = (clientSecret: string) => ({ clientSecret, tokenEndpoint: `${deps.config.publicUrl}/oidc/token`, audience: apiAudience(deps.config) });

    app.get(
      "/api-clients",
      {
        schema: {
          tags,
          summary: "The company's API clients, and the scopes one may hold",
          response: {
            200: z.object({ clients: z.array(ApiClient), scopes: z.array(z.object({ name: ApiScope, description: z.string() })) }),
            ...errors(401, 403, 404),
          },
        },
      },
      async (request) => {
        const { clients } = await listApiClients(deps, { by: "administrator", actor: actorOf(request) });
        return { clients: clients.map(clientJson), scopes: API_SCOPE_NAMES.map((name) => ({ name, description: API_SCOPE_DESCRIPTIONS[name] })) };
      },
    );

    app.post(
      "/api-clients",
      {
        schema: {
          tags,
          summary: "Create an API client; its secret is in this answer and never again",
          body: CreateApiClientBody,
          response: { 201: z.object({ client: ApiClient }).extend(Credentials.shape), ...errors(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const created = await createApiClient(deps, { by: "administrator", actor: actorOf(request) }, request.body);
        return reply.code(201).send({ client: clientJson(created.client), ...credentials(created.clientSecret) });
      },
    );

    app.post(
      "/api-clients/:id/secret",
      {
        schema: {
          tags,
          summary: "Replace the secret: the old one and the tokens it got stop working at once",
          params: ClientIdParams,
          response: { 200: Credentials, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => credentials((await rotateApiClientSecret(deps, { by: "administrator", actor: actorOf(request) }, request.params.id)).clientSecret),
    );

    app.delete(
      "/api-clients/:id",
      { schema: { tags, summary: "Delete an API client: its tokens stop working at once", params: ClientIdParams, response: { 200: Ok, ...errors(400, 401, 403, 404) } } },
      async (request) => {
        await deleteApiClient(deps, { by: "administrator", actor: actorOf(request) }, request.params.id);
        return { ok: true as const };
      },
    );
  };
}
