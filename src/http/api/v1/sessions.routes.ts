import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { listOwnSessions, listSessionsOfUser } from "../../../features/sessions/list-sessions.ts";
import type { SessionView } from "../../../features/sessions/sessions.queries.ts";
import { signOutOtherSessions, signOutOwnSession } from "../../../features/sessions/sign-out-own-session.ts";
import { signOutUserEverywhere } from "../../../features/sessions/sign-out-user-everywhere.ts";
import { listSignIns } from "../../../features/sessions/list-sign-ins.ts";
import { actorOf, clearSessionCookie, personOf, requireActor, requirePerson } from "../../middleware/session.ts";
import { useStrictJsonBodies } from "../../strict-json.ts";
import { IdParams, Ok, Uuid, errors } from "./schemas.ts";

const Session = z.object({
  id: z.string(),
  device: z.string().describe('Read from the browser\'s User-Agent, e.g. "Chrome on macOS"'),
  clientAddress: z.string().nullable(),
  signedInAt: z.string(),
  lastSeenAt: z.string().describe("Precise to about a minute"),
  current: z.boolean().describe("The session this request came with"),
});
const SessionList = z.object({ sessions: z.array(Session) });
const SignedOut = z.object({ signedOut: z.number().int().describe("How many sessions ended") });
const SessionParams = z.strictObject({ sessionId: Uuid });
const SignIn = z.object({
  id: z.string(),
  at: z.string(),
  result: z.enum(["signed_in", "wrong_password", "passkey_refused", "wrong_second_factor_code"]).describe("A session was opened, or the step that refused the attempt"),
  method: z.enum(["password", "passkey"]),
  clientAddress: z.string().nullable(),
  device: z.string().describe('Read from the browser\'s User-Agent, like a session\'s ("Unknown device" for attempts recorded before it was kept)'),
});
const SignInList = z.object({ signIns: z.array(SignIn), nextCursor: z.string().nullable().describe("Pass as ?before= for the next (older) page; null on the last") });
const SignInsQuery = z.strictObject({ before: z.string().min(1).max(200).optional() });

const viewOf = (session: SessionView) => ({ ...session, signedInAt: session.signedInAt.toISOString(), lastSeenAt: session.lastSeenAt.toISOString() });

/** One's own sessions in account settings, and another user's on their page (decision 0048). */
export function sessionRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    useStrictJsonBodies(app);
    const tags = ["sessions"];

    app.get(
      "/account/sessions",
      { preHandler: requirePerson(deps), schema: { tags, summary: "Your live sessions: device, address, signed in, last seen", response: { 200: SessionList, ...errors(401) } } },
      async (request) => ({ sessions: (await listOwnSessions(deps, personOf(request))).map(viewOf) }),
    );

    app.delete(
      "/account/sessions/:sessionId",
      { preHandler: requirePerson(deps), schema: { tags, summary: "Sign out one of your sessions", params: SessionParams, response: { 200: Ok, ...errors(400, 401, 404) } } },
      async (request, reply) => {
        const actor = personOf(request);
        await signOutOwnSession(deps, actor, request.params.sessionId);
        if (request.params.sessionId === actor.sessionId) clearSessionCookie(deps, reply);
        return { ok: true as const };
      },
    );

    app.post(
      "/account/sessions/sign-out-others",
      { preHandler: requirePerson(deps), schema: { tags, summary: "Sign out everywhere else: every session of yours but this one", response: { 200: SignedOut, ...errors(401) } } },
      async (request) => ({ signedOut: (await signOutOtherSessions(deps, personOf(request))).count }),
    );

    app.get(
      "/users/:id/sessions",
      {
        preHandler: requireActor(deps),
        schema: { tags, summary: "Another user's live sessions (administrators and managers, on users whose role they outrank)", params: IdParams, response: { 200: SessionList, ...errors(400, 401, 403, 404) } },
      },
      async (request) => ({ sessions: (await listSessionsOfUser(deps, actorOf(request), request.params.id)).map(viewOf) }),
    );

    app.get(
      "/users/:id/sign-ins",
      {
        preHandler: requireActor(deps),
        schema: {
          tags,
          summary: "A user's recent sign-ins, 20 a page, newest first: successes, wrong passwords, refused passkeys and wrong second-factor codes (administrators and managers)",
          params: IdParams,
          querystring: SignInsQuery,
          response: { 200: SignInList, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { signIns, nextCursor } = await listSignIns(deps, actorOf(request), request.params.id, request.query.before);
        return { signIns: signIns.map((entry) => ({ ...entry, at: entry.at.toISOString() })), nextCursor };
      },
    );

    app.post(
      "/users/:id/sessions/sign-out-all",
      {
        preHandler: requireActor(deps),
        schema: { tags, summary: "Sign a user out everywhere: every session ends, the user is emailed who did it", params: IdParams, response: { 200: SignedOut, ...errors(400, 401, 403, 404, 409) } },
      },
      async (request) => ({ signedOut: (await signOutUserEverywhere(deps, actorOf(request), request.params.id)).count }),
    );
  };
}
