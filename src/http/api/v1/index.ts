import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Deps } from "../../../deps.ts";
import { accountRoutes } from "./account.routes.ts";
import { apiClientRoutes } from "./api-clients.routes.ts";
import { auditRoutes } from "./audit.routes.ts";
import { authRoutes } from "./auth.routes.ts";
import { companyRoutes } from "./company.routes.ts";
import { devMailboxRoutes } from "./dev-mailbox.routes.ts";
import { grantRoutes } from "./grants.routes.ts";
import { linkedCompanyRoutes } from "./linked-companies.routes.ts";
import { linkRoutes } from "./links.routes.ts";
import { passkeyRoutes } from "./passkeys.routes.ts";
import { passwordResetRoutes } from "./password-reset.routes.ts";
import { secondFactorAccountRoutes, secondStepRoutes } from "./second-factor.routes.ts";
import { secondFactorResetRoutes } from "./second-factor-reset.routes.ts";
import { sessionRoutes } from "./sessions.routes.ts";
import { userRoutes } from "./users.routes.ts";
import { webhookRoutes } from "./webhooks.routes.ts";

/** Every /api/v1 route module. Each is thin: parse → call one use case → map the result. */
export function registerApiRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(authRoutes(deps));
    await app.register(accountRoutes(deps));
    await app.register(passkeyRoutes(deps));
    await app.register(secondStepRoutes(deps));
    await app.register(secondFactorAccountRoutes(deps));
    await app.register(linkRoutes(deps));
    await app.register(passwordResetRoutes(deps));
    await app.register(secondFactorResetRoutes(deps));
    await app.register(sessionRoutes(deps));
    await app.register(companyRoutes(deps));
    await app.register(userRoutes(deps));
    await app.register(devMailboxRoutes(deps));
    await app.register(linkedCompanyRoutes(deps));
    await app.register(grantRoutes(deps));
    await app.register(auditRoutes(deps));
    await app.register(apiClientRoutes(deps));
    await app.register(webhookRoutes(deps));
  };
}
