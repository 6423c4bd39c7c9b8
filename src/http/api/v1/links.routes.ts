import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { inspectLink } from "../../../features/auth/inspect-link.ts";
import { setPasswordWithLink } from "../../../features/auth/set-password-with-link.ts";
import { Ok, Password, errors } from "./schemas.ts";

const Token = z.string().min(1).max(200);
export const InspectLinkBody = z.strictObject({ token: Token });
export const SetPasswordBody = z.strictObject({ token: Token, password: Password, passwordConfirmation: Password });
const LinkInfo = z.discriminatedUnion("valid", [
  z.object({ valid: z.literal(true), purpose: z.enum(["invite", "reset"]), name: z.string(), email: z.string(), expiresAt: z.string() }),
  z.object({ valid: z.literal(false), reason: z.enum(["invalid", "expired", "used", "superseded", "revoked"]), purpose: z.enum(["invite", "reset"]).nullable() }),
]);

/** The pages behind emailed links. Looking never consumes; only a valid submission does. */
export function linkRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/links/inspect",
      { schema: { tags: ["links"], summary: "What an emailed link is and whether it still works (consumes nothing)", body: InspectLinkBody, response: { 200: LinkInfo, ...errors(400, 429) } } },
      async (request) => {
        const link = await inspectLink(deps, { token: request.body.token, clientAddress: request.ip });
        if (link.ok) {
          return { valid: true as const, purpose: link.purpose, name: link.name, email: link.email, expiresAt: link.expiresAt.toISOString() };
        }
        return { valid: false as const, reason: link.reason, purpose: link.purpose ?? null };
      },
    );

    app.post(
      "/links/set-password",
      { schema: { tags: ["links"], summary: "Choose a password with an invitation or reset link", body: SetPasswordBody, response: { 200: Ok, ...errors(400, 410, 422, 429) } } },
      async (request) => {
        await setPasswordWithLink(deps, { ...request.body, clientAddress: request.ip });
        return { ok: true as const };
      },
    );
  };
}
