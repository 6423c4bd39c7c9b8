import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { listSecondFactorResets } from "../../../features/auth/second-factor-reset/list-second-factor-resets.ts";
import { resetSecondFactor } from "../../../features/auth/second-factor-reset/reset-second-factor.ts";
import { actorOf, requireActor } from "../../middleware/session.ts";
import { useStrictJsonBodies } from "../../strict-json.ts";
import { IdParams, Role, errors } from "./schemas.ts";

const Removed = z.object({ authenticatorApp: z.boolean(), passkeys: z.number().int(), recoveryCodes: z.number().int() });
const ResetDone = z.object({ reset: z.object({ at: z.string(), removed: Removed }) });
const ResetHistory = z.object({
  resets: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      resetBy: z.object({ kind: z.enum(["administrator", "team_member", "integration"]), name: z.string(), role: Role, companyName: z.string() }).nullable(),
      removed: Removed,
      emailStatus: z.enum(["queued", "sent", "retrying", "failed", "dropped"]).nullable(),
      emailProblem: z.string().nullable().describe("Why the email has not left, in words (never the mail server's own reply); null once sent or while queued"),
    }),
  ),
});

/** An administrator's "Reset two-factor" of another user, and its history (decision 0039). */
export function secondFactorResetRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    useStrictJsonBodies(app);
    const tags = ["second factor"];

    app.post(
      "/users/:id/second-factor-reset",
      {
        preHandler: requireActor(deps),
        schema: {
          tags,
          summary: "Remove another user's authenticator app, passkeys and recovery codes: their sessions end and they set up a second factor at their next sign-in",
          params: IdParams,
          response: { 200: ResetDone, ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      async (request) => {
        const reset = await resetSecondFactor(deps, actorOf(request), request.params.id);
        return { reset: { at: reset.resetAt.toISOString(), removed: reset.removed } };
      },
    );

    app.get(
      "/users/:id/second-factor-resets",
      {
        preHandler: requireActor(deps),
        schema: {
          tags,
          summary: "Every reset of a user's second factor: who did it, when, what was removed, and the email's delivery",
          params: IdParams,
          response: { 200: ResetHistory, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const resets = await listSecondFactorResets(deps, actorOf(request), request.params.id);
        return { resets: resets.map((reset) => ({ ...reset, at: reset.at.toISOString() })) };
      },
    );
  };
}
