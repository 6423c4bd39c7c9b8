import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { changePassword } from "../../../features/auth/change-password.ts";
import { updateOwnName } from "../../../features/users/update-own-name.ts";
import { personOf, requirePerson, setSessionCookie } from "../../middleware/session.ts";
import { Ok, Password, PersonName, errors } from "./schemas.ts";

export const UpdateAccountBody = z.strictObject({ name: PersonName });
export const ChangePasswordBody = z.strictObject({ currentPassword: Password, newPassword: Password, newPasswordConfirmation: Password });

export function accountRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requirePerson(deps));

    app.patch(
      "/account",
      { schema: { tags: ["account"], summary: "Change your own name", body: UpdateAccountBody, response: { 200: Ok, ...errors(400, 401) } } },
      async (request) => {
        await updateOwnName(deps, personOf(request), request.body.name);
        return { ok: true as const };
      },
    );

    app.post(
      "/account/password",
      { schema: { tags: ["account"], summary: "Change your own password (ends your other sessions)", body: ChangePasswordBody, response: { 200: Ok, ...errors(400, 401, 422) } } },
      async (request, reply) => {
        const result = await changePassword(deps, personOf(request), { ...request.body, userAgent: request.headers["user-agent"] });
        setSessionCookie(deps, reply, result.sessionToken);
        return { ok: true as const };
      },
    );
  };
}
