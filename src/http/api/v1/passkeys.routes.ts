import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { beginPasskeyRegistration } from "../../../features/passkeys/begin-passkey-registration.ts";
import { beginPasskeySignIn } from "../../../features/passkeys/begin-passkey-sign-in.ts";
import { finishPasskeyRegistration } from "../../../features/passkeys/finish-passkey-registration.ts";
import { beginPasskeyEnrolment, finishPasskeyEnrolment } from "../../../features/passkeys/enrol-passkey-at-sign-in.ts";
import { finishPasskeySignIn } from "../../../features/passkeys/finish-passkey-sign-in.ts";
import { beginPasskeySecondStep, finishPasskeySecondStep } from "../../../features/passkeys/passkey-second-step.ts";
import { listPasskeysOf } from "../../../features/passkeys/passkeys.queries.ts";
import { PASSKEY_CEREMONY_TTL_MS } from "../../../features/passkeys/relying-party.ts";
import { removePasskey } from "../../../features/passkeys/remove-passkey.ts";
import { renamePasskey } from "../../../features/passkeys/rename-passkey.ts";
import { cookieAttributes, passkeyCeremonyCookieName } from "../../middleware/cookies.ts";
import { clearSignInChallengeCookie, personOf, requirePerson, setSessionCookie, signInChallengeOf } from "../../middleware/session.ts";
import { IdParams, Ok, Password, errors } from "./schemas.ts";
import { AssertionAnswer, CreationOptions, PasskeyName, RegistrationAnswer, RequestOptions } from "./webauthn-schemas.ts";

export const PasskeyItem = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  synced: z.boolean().describe("Backed up and usable on the owner's other devices (a multi-device passkey)"),
});
const toItem = (row: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; deviceType: string | null; backedUp: boolean }) => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  synced: row.deviceType === "multiDevice" && row.backedUp,
});
export const RegisterPasskeyBody = z.strictObject({ response: RegistrationAnswer, name: PasskeyName.optional() });
export const RenamePasskeyBody = z.strictObject({ name: PasskeyName });
export const RemovePasskeyBody = z.strictObject({ password: Password.optional().describe("Needed when this passkey is the account's last second factor") });
export const PasskeySignInBody = z.strictObject({ response: AssertionAnswer });
export const EnrolPasskeyBody = z.strictObject({ response: RegistrationAnswer });

/**
 * A passwordless sign-in's two calls, for the dashboard's sign-in page and an application's (the
 * OpenID interaction's, decision 0045): the ceremony's cookie, then the session's.
 */
export async function startPasswordlessPasskey(deps: Deps, request: FastifyRequest, reply: FastifyReply) {
  const { options, ceremonyToken } = await beginPasskeySignIn(deps, { clientAddress: request.ip, userAgent: request.headers["user-agent"] });
  reply.setCookie(passkeyCeremonyCookieName(deps.config.publicUrl), ceremonyToken, { ...cookieAttributes(deps.config, "strict"), maxAge: PASSKEY_CEREMONY_TTL_MS / 1000 });
  return options;
}

export async function finishPasswordlessPasskey(deps: Deps, request: FastifyRequest, reply: FastifyReply, answer: z.infer<typeof AssertionAnswer>) {
  const cookie = passkeyCeremonyCookieName(deps.config.publicUrl);
  // The ceremony is used up whatever the outcome: its cookie goes too.
  reply.clearCookie(cookie, cookieAttributes(deps.config, "strict"));
  const result = await finishPasskeySignIn(deps, { answer, ceremonyToken: request.cookies[cookie], clientAddress: request.ip, userAgent: request.headers["user-agent"] });
  setSessionCookie(deps, reply, result.sessionToken);
  return { ok: true as const };
}

export function passkeyRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    const person = requirePerson(deps);
    const tags = ["account"];

    app.get(
      "/account/passkeys",
      { preHandler: person, schema: { tags, summary: "Your passkeys", response: { 200: z.object({ passkeys: z.array(PasskeyItem) }), ...errors(401, 403) } } },
      async (request) => ({ passkeys: (await listPasskeysOf(deps.db, personOf(request).userId)).map(toItem) }),
    );

    app.post(
      "/account/passkeys/options",
      { preHandler: person, schema: { tags, summary: "Start registering a passkey: the options for navigator.credentials.create()", response: { 200: CreationOptions, ...errors(401, 403, 409) } } },
      async (request) => beginPasskeyRegistration(deps, personOf(request), request.headers["user-agent"]),
    );

    app.post(
      "/account/passkeys",
      { preHandler: person, schema: { tags, summary: "Finish registering a passkey with the authenticator's answer", body: RegisterPasskeyBody, response: { 201: PasskeyItem, ...errors(400, 401, 403, 409) } } },
      async (request, reply) => {
        const row = await finishPasskeyRegistration(deps, personOf(request), { answer: request.body.response, name: request.body.name, userAgent: request.headers["user-agent"] });
        return reply.code(201).send(toItem(row));
      },
    );

    app.patch(
      "/account/passkeys/:id",
      { preHandler: person, schema: { tags, summary: "Rename one of your passkeys", params: IdParams, body: RenamePasskeyBody, response: { 200: Ok, ...errors(400, 401, 403, 404) } } },
      async (request) => {
        await renamePasskey(deps, personOf(request), request.params.id, request.body.name);
        return { ok: true as const };
      },
    );

    app.post(
      "/account/passkeys/:id/remove",
      {
        preHandler: person,
        schema: { tags, summary: "Remove one of your passkeys (your password when it is your last second factor)", params: IdParams, body: RemovePasskeyBody, response: { 200: Ok, ...errors(400, 401, 403, 404) } },
      },
      async (request) => {
        await removePasskey(deps, personOf(request), request.params.id, { password: request.body.password });
        return { ok: true as const };
      },
    );

    app.post(
      "/auth/passkey/options",
      { schema: { tags: ["auth"], summary: "Start a passwordless sign-in with a passkey: the options for navigator.credentials.get()", response: { 200: RequestOptions, ...errors(429) } } },
      async (request, reply) => startPasswordlessPasskey(deps, request, reply),
    );

    app.post(
      "/auth/passkey/verify",
      { schema: { tags: ["auth"], summary: "Sign in with a passkey (where your company allows it)", body: PasskeySignInBody, response: { 200: Ok, ...errors(400, 401, 429) } } },
      async (request, reply) => finishPasswordlessPasskey(deps, request, reply, request.body.response),
    );

    app.post(
      "/auth/second-factor/passkey/options",
      { schema: { tags: ["auth"], summary: "The second step with a passkey: the options for navigator.credentials.get() (the half-finished sign-in's user's passkeys)", response: { 200: RequestOptions, ...errors(401) } } },
      async (request) => beginPasskeySecondStep(deps, signInChallengeOf(deps, request)),
    );

    app.post(
      "/auth/second-factor/passkey",
      { schema: { tags: ["auth"], summary: "Finish signing in with a passkey as the second factor", body: PasskeySignInBody, response: { 200: Ok, ...errors(400, 401, 429) } } },
      async (request, reply) => {
        const result = await finishPasskeySecondStep(deps, { answer: request.body.response, challengeToken: signInChallengeOf(deps, request), clientAddress: request.ip, userAgent: request.headers["user-agent"] });
        clearSignInChallengeCookie(deps, reply);
        setSessionCookie(deps, reply, result.sessionToken);
        return { ok: true as const };
      },
    );

    app.post(
      "/auth/second-factor/enrol/passkey/options",
      {
        schema: {
          tags: ["auth"],
          summary: "At a sign-in that owes a second factor: start registering a passkey, the options for navigator.credentials.create()",
          response: { 200: CreationOptions, ...errors(401) },
        },
      },
      async (request) => beginPasskeyEnrolment(deps, signInChallengeOf(deps, request)),
    );

    app.post(
      "/auth/second-factor/enrol/passkey",
      {
        schema: {
          tags: ["auth"],
          summary: "At a sign-in that owes a second factor: keep the passkey with the authenticator's answer, and finish signing in",
          body: EnrolPasskeyBody,
          response: { 200: Ok, ...errors(400, 401, 409, 429) },
        },
      },
      async (request, reply) => {
        const result = await finishPasskeyEnrolment(deps, { answer: request.body.response, challengeToken: signInChallengeOf(deps, request), clientAddress: request.ip, userAgent: request.headers["user-agent"] });
        clearSignInChallengeCookie(deps, reply);
        setSessionCookie(deps, reply, result.sessionToken);
        return { ok: true as const };
      },
    );
  };
}
