import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { listPasswordResets } from "../../../features/auth/password-reset/list-password-resets.ts";
import { requestPasswordReset } from "../../../features/auth/password-reset/request-password-reset.ts";
import { revokePasswordReset } from "../../../features/auth/password-reset/revoke-password-reset.ts";
import { sendOwnReset } from "../../../features/auth/password-reset/send-own-reset.ts";
import { triggerPasswordReset } from "../../../features/auth/password-reset/trigger-password-reset.ts";
import { actorOf, personOf, requireActor, requirePerson } from "../../middleware/session.ts";
import { useStrictJsonBodies } from "../../strict-json.ts";
import { Email, IdParams, Ok, Role, Uuid, errors } from "./schemas.ts";

export const ForgotPasswordBody = z.strictObject({ email: Email });
export const ResetParams = z.strictObject({ id: Uuid, resetId: Uuid });
const ResetIssued = z.object({ reset: z.object({ id: z.string(), expiresAt: z.string() }) });
const ForgotPasswordAnswer = z.object({ ok: z.literal(true), message: z.string() });
const ResetHistory = z.object({
  resets: z.array(
    z.object({
      id: z.string(),
      purpose: z.enum(["invite", "reset"]),
      createdAt: z.string(),
      expiresAt: z.string(),
      state: z.enum(["pending", "used", "expired", "superseded", "revoked"]),
      requestedBy: z.object({ kind: z.enum(["self", "administrator", "team_member", "integration"]), name: z.string(), role: Role, companyName: z.string() }).nullable(),
      emailStatus: z.enum(["queued", "sent", "retrying", "failed", "dropped"]).nullable(),
      emailProblem: z.string().nullable().describe("Why the email has not left, in words (never the mail server's own reply); null once sent or while queued"),
    }),
  ),
});

function lifetimeInWords(ms: number): string {
  const hours = ms / 3_600_000;
  if (Number.isInteger(hours)) return hours === 1 ? "1 hour" : `${hours} hours`;
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** Password reset: triggered by an administrator or manager, by the user for themselves, or from the sign-in page. */
export function passwordResetRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    useStrictJsonBodies(app);
    const forgotAnswer = {
      ok: true as const,
      message: `If an account uses this address, a link to choose a new password is on its way. It works for ${lifetimeInWords(deps.config.resetLinkTtlMs)}. Check your spam folder if nothing arrives.`,
    };

    app.post(
      "/auth/forgot-password",
      {
        schema: {
          tags: ["password reset"],
          summary: "Email a reset link to an account, if it exists (the answer is the same for every address)",
          body: ForgotPasswordBody,
          response: { 202: ForgotPasswordAnswer, ...errors(400) },
        },
      },
      async (request, reply) => {
        await requestPasswordReset(deps, { email: request.body.email, clientAddress: request.ip });
        return reply.code(202).send(forgotAnswer);
      },
    );

    app.post(
      "/users/:id/password-reset",
      {
        preHandler: requireActor(deps),
        schema: {
          tags: ["password reset"],
          summary: "Email another user a link to choose a new password (the response never contains the link)",
          params: IdParams,
          response: { 202: ResetIssued, ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      async (request, reply) => {
        const reset = await triggerPasswordReset(deps, actorOf(request), request.params.id);
        return reply.code(202).send({ reset: { id: reset.id, expiresAt: reset.expiresAt.toISOString() } });
      },
    );

    app.get(
      "/users/:id/password-resets",
      {
        preHandler: requireActor(deps),
        schema: {
          tags: ["password reset"],
          summary: "Every invitation and reset link of a user: who asked, when, its state and its email's delivery",
          params: IdParams,
          response: { 200: ResetHistory, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const resets = await listPasswordResets(deps, actorOf(request), request.params.id);
        return {
          resets: resets.map((reset) => ({ ...reset, createdAt: reset.createdAt.toISOString(), expiresAt: reset.expiresAt.toISOString() })),
        };
      },
    );

    app.post(
      "/users/:id/password-resets/:resetId/revoke",
      {
        preHandler: requireActor(deps),
        schema: {
          tags: ["password reset"],
          summary: "Cancel a pending link",
          params: ResetParams,
          response: { 200: Ok, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        await revokePasswordReset(deps, actorOf(request), request.params.id, request.params.resetId);
        return { ok: true as const };
      },
    );

    app.post(
      "/account/password-reset",
      {
        preHandler: requirePerson(deps),
        schema: { tags: ["account"], summary: "Email yourself a link to choose a new password", response: { 202: Ok, ...errors(401, 403, 429) } },
      },
      async (request, reply) => {
        await sendOwnReset(deps, personOf(request));
        return reply.code(202).send({ ok: true as const });
      },
    );
  };
}
