import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { signIn } from "../../features/second-factor/sign-in.ts";
import { findActorBySessionToken } from "../../features/auth/sessions.ts";
import type { PersonActor } from "../../features/access/actor.ts";
import { authorizeClient, companiesForPicker } from "../../features/oidc/authorize-client.ts";
import { findClientRow } from "../../features/oidc/clients.queries.ts";
import { OIDC_TTL } from "../../oidc/provider.ts";
import { sessionCookieName } from "../middleware/cookies.ts";
import { LoginBody } from "../api/v1/auth.routes.ts";
import { SignInAnswer, answerSignIn } from "../api/v1/second-factor.routes.ts";
import { finishPasswordlessPasskey, PasskeySignInBody, startPasswordlessPasskey } from "../api/v1/passkeys.routes.ts";
import { RequestOptions } from "../api/v1/webauthn-schemas.ts";
import { Uuid, errors } from "../api/v1/schemas.ts";
import { pinProviderHeaders } from "./mount.ts";

const UidParams = z.strictObject({ uid: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/) });
const Redirect = z.object({ redirectTo: z.string() });
const SCOPE_LABELS: Record<string, string> = {
  openid: "Know who you are",
  email: "See your email address",
  profile: "See your name",
  company: "See the company you act in and your role there",
  offline_access: "Stay signed in when you are not using it",
};

const Details = z.object({
  uid: z.string(),
  client: z.object({ id: z.string(), name: z.string(), firstParty: z.boolean(), returnsTo: z.string() }),
  scopes: z.array(z.object({ scope: z.string(), label: z.string() })),
  /** own: the user's own company; select: the user picks; named: the application asked for one company. */
  company: z.object({ request: z.enum(["own", "select", "named"]), requested: z.object({ id: z.string(), name: z.string() }).nullable() }),
  user: z.object({ name: z.string(), email: z.string(), companyName: z.string() }).nullable(),
  companies: z.array(z.object({ id: z.string(), name: z.string(), own: z.boolean() })),
});

/** The provider's Interaction model, as far as these routes use it. */
interface Interaction {
  uid: string;
  params: Record<string, unknown>;
  session?: { accountId?: string };
  exp: number;
  returnTo: string;
  result?: Record<string, unknown>;
  save(ttlSeconds: number): Promise<unknown>;
}

/**
 * The sign-in an application's authorization request lands on (decision 0027, section 7). The page
 * is the dashboard's (/interaction/:uid); these are its calls, under the same path because the
 * provider binds the interaction to the browser with a cookie scoped to it. Ordinary Latchkey routes:
 * CSRF token, zod, the contract's errors.
 */
export function interactionRoutes(deps: Deps): FastifyPluginAsyncZod {
  async function interactionOf(request: FastifyRequest, reply: FastifyReply, uid: string): Promise<Interaction> {
    const provider = await deps.oidc.current();
    pinProviderHeaders(request, deps.config.publicUrl);
    let details: Interaction;
    try {
      details = (await provider.interactionDetails(request.raw, reply.raw)) as unknown as Interaction;
    } catch {
      // No interaction cookie, an expired interaction, or another tab's: the application must start again.
      throw new AppError("NOT_FOUND", "This sign-in request has expired. Go back to the application and start again.");
    }
    if (details.uid !== uid) throw new AppError("NOT_FOUND", "This sign-in request has expired. Go back to the application and start again.");
    return details;
  }

  async function actorOrNull(request: FastifyRequest): Promise<PersonActor | null> {
    const token = request.cookies[sessionCookieName(deps.config.publicUrl)];
    return findActorBySessionToken(deps.db, token, deps.clock.now(), request.ip);
  }

  async function clientOf(interaction: Interaction) {
    const client = await findClientRow(deps.db, String(interaction.params.client_id ?? ""));
    if (!client) throw new AppError("NOT_FOUND", "This application is no longer registered.");
    return client;
  }

  /**
   * What the provider's interactionResult(…, { mergeWithLastSubmission: false }) does, on the
   * interaction this request already read and checked (interactionOf) instead of reading it again.
   */
  async function finish(interaction: Interaction, result: Record<string, unknown>): Promise<string> {
    interaction.result = result;
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    return interaction.returnTo;
  }

  return async (app) => {
    app.get(
      "/:uid/details",
      { schema: { tags: ["sign-in for applications"], summary: "What an application's sign-in asks for", params: UidParams, response: { 200: Details, ...errors(400, 404) } } },
      async (request, reply) => {
        const interaction = await interactionOf(request, reply, request.params.uid);
        const client = await clientOf(interaction);
        const actor = await actorOrNull(request);
        const requested = typeof interaction.params.company === "string" ? interaction.params.company : undefined;
        const scopes = String(interaction.params.scope ?? "")
          .split(" ")
          .filter((scope) => scope in SCOPE_LABELS);
        const companies = actor && requested !== undefined ? await companiesForPicker(deps, actor) : [];
        const named = requested && requested.toLowerCase() !== "select" ? (companies.find((c) => c.id === requested.toLowerCase()) ?? null) : null;
        return {
          uid: interaction.uid,
          client: { id: client.id, name: client.name, firstParty: client.first_party, returnsTo: new URL(String(interaction.params.redirect_uri)).origin },
          scopes: scopes.map((scope) => ({ scope, label: SCOPE_LABELS[scope] ?? scope })),
          company: {
            request: requested === undefined ? ("own" as const) : requested.toLowerCase() === "select" ? ("select" as const) : ("named" as const),
            requested: named ? { id: named.id, name: named.name } : null,
          },
          user: actor ? { name: actor.name, email: actor.email, companyName: actor.companyName } : null,
          companies: requested?.toLowerCase() === "select" ? companies : [],
        };
      },
    );

    app.post(
      "/:uid/login",
      { schema: { tags: ["sign-in for applications"], summary: "Sign in to Latchkey for an application (a second step may be owed: POST /api/v1/auth/second-factor)", params: UidParams, body: LoginBody, response: { 200: SignInAnswer, ...errors(400, 401, 404, 429) } } },
      async (request, reply) => {
        await interactionOf(request, reply, request.params.uid);
        // The dashboard's sign-in, unchanged: the same limits, the same answers for unknown and wrong, the same second step.
        return answerSignIn(deps, reply, await signIn(deps, { ...request.body, clientAddress: request.ip, userAgent: request.headers["user-agent"] }));
      },
    );

    app.post(
      "/:uid/passkey/options",
      {
        schema: {
          tags: ["sign-in for applications"],
          summary: "Start signing in to Latchkey with a passkey, for an application (where the company allows it): the options for navigator.credentials.get()",
          params: UidParams,
          response: { 200: RequestOptions, ...errors(400, 404, 429) },
        },
      },
      async (request, reply) => {
        await interactionOf(request, reply, request.params.uid);
        return startPasswordlessPasskey(deps, request, reply);
      },
    );

    app.post(
      "/:uid/passkey",
      {
        schema: {
          tags: ["sign-in for applications"],
          summary: "Sign in to Latchkey with a passkey, for an application: the dashboard's passwordless sign-in (a passkey with user verification is two factors: no second step)",
          params: UidParams,
          body: PasskeySignInBody,
          response: { 200: SignInAnswer, ...errors(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        await interactionOf(request, reply, request.params.uid);
        return finishPasswordlessPasskey(deps, request, reply, request.body.response);
      },
    );

    app.post(
      "/:uid/continue",
      {
        schema: {
          tags: ["sign-in for applications"],
          summary: "Continue to the application, acting in the chosen company",
          params: UidParams,
          body: z.strictObject({ companyId: Uuid.optional() }),
          response: { 200: Redirect, ...errors(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const interaction = await interactionOf(request, reply, request.params.uid);
        const actor = await actorOrNull(request);
        if (!actor) throw new AppError("UNAUTHENTICATED");
        const client = await clientOf(interaction);
        const provider = await deps.oidc.current();
        const scope = String(interaction.params.scope ?? "");
        const resources = ([] as unknown[]).concat(interaction.params.resource ?? []).filter((value): value is string => typeof value === "string");
        const outcome = await authorizeClient(deps, {
          actor,
          client: { id: client.id, name: client.name },
          requested: typeof interaction.params.company === "string" ? interaction.params.company : undefined,
          chosen: request.body.companyId,
          scope,
          grantTtlSeconds: OIDC_TTL.Grant,
          async createGrant() {
            const grant = new provider.Grant({ accountId: actor.userId, clientId: client.id });
            grant.addOIDCScope(scope);
            for (const resource of resources) grant.addResourceScope(resource, scope.split(" ").filter((s) => s === "company").join(" "));
            return grant.save();
          },
        });
        const result = outcome.authorized
          ? { login: { accountId: actor.userId, amr: ["pwd"] }, consent: { grantId: outcome.grantId } }
          : { error: "access_denied", error_description: "the requested company is not available to this user" };
        return { redirectTo: await finish(interaction, result) };
      },
    );

    app.post(
      "/:uid/abort",
      { schema: { tags: ["sign-in for applications"], summary: "Cancel an application's sign-in", params: UidParams, response: { 200: Redirect, ...errors(400, 404) } } },
      async (request, reply) => {
        const interaction = await interactionOf(request, reply, request.params.uid);
        return { redirectTo: await finish(interaction, { error: "access_denied", error_description: "the user cancelled the sign-in" }) };
      },
    );
  };
}
