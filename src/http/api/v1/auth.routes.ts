import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { signIn } from "../../../features/second-factor/sign-in.ts";
import { signOut } from "../../../features/auth/sign-out.ts";
import { registerCompany } from "../../../features/companies/register-company.ts";
import { recordAuditEvent } from "../../../features/audit/record-audit-event.ts";
import { actorCapabilities } from "../../../features/access/permission-summary.ts";
import { devMailboxEnabled } from "../../../features/dev-mailbox/dev-mailbox-enabled.ts";
import { isLoopbackClient } from "../../loopback.ts";
import { issueCsrfToken } from "../../middleware/csrf.ts";
import { clearSessionCookie, personOf, requirePerson, setSessionCookie } from "../../middleware/session.ts";
import { CompanyName, Email, Ok, Password, PersonName, Role, errors } from "./schemas.ts";
import { SignInAnswer, answerSignIn } from "./second-factor.routes.ts";

export const RegisterBody = z.strictObject({ companyName: CompanyName, name: PersonName, email: Email, password: Password });
export const LoginBody = z.strictObject({ email: Email, password: Password });
const Me = z.object({
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), role: Role, companyId: z.string(), companyName: z.string() }),
  actingCompany: z.object({ id: z.string(), name: z.string(), switched: z.boolean() }),
  capabilities: z.object({
    viewAuditLog: z.boolean(),
    createLinkedCompanies: z.boolean(),
    manageGrants: z.boolean(),
    manageApiClients: z.boolean(),
    manageWebhooks: z.boolean(),
    grantHolderRoles: z.array(Role),
    createUsers: z.boolean(),
    viewSecondFactors: z.boolean(),
    creatableRoles: z.array(Role),
  }),
});

export function authRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get("/csrf-token", { schema: { tags: ["auth"], summary: "A CSRF token for the X-CSRF-Token header", response: { 200: z.object({ token: z.string() }) } } }, async (request, reply) => ({
      token: issueCsrfToken(deps.config, request, reply),
    }));

    app.get("/config", { schema: { tags: ["auth"], summary: "What the sign-in pages need to know", response: { 200: z.object({ signup: z.boolean(), passwordMinLength: z.number(), devMailbox: z.boolean() }) } } }, async (request) => ({
      signup: deps.config.signup,
      passwordMinLength: deps.config.passwordMinLength,
      // Whether this client may read the development mailbox (dev-mailbox.routes.ts asks the same).
      devMailbox: devMailboxEnabled(deps.config) && isLoopbackClient(request),
    }));

    app.post(
      "/auth/register",
      { schema: { tags: ["auth"], summary: "Register a company and its administrator", body: RegisterBody, response: { 201: Ok, ...errors(400, 403, 409, 422, 429) } } },
      async (request, reply) => {
        const result = await registerCompany(deps, { ...request.body, clientAddress: request.ip, userAgent: request.headers["user-agent"] });
        setSessionCookie(deps, reply, result.sessionToken);
        return reply.code(201).send({ ok: true as const });
      },
    );

    app.post(
      "/auth/login",
      {
        schema: {
          tags: ["auth"],
          summary: "Sign in with a password; when a second factor is owed, no session yet — secondStep says which (POST /auth/second-factor finishes)",
          body: LoginBody,
          response: { 200: SignInAnswer, ...errors(400, 401, 429) },
        },
      },
      async (request, reply) => answerSignIn(deps, reply, await signIn(deps, { ...request.body, clientAddress: request.ip, userAgent: request.headers["user-agent"] })),
    );

    app.post(
      "/auth/logout",
      { preHandler: requirePerson(deps), schema: { tags: ["auth"], summary: "Sign out", response: { 200: Ok, ...errors(401) } } },
      async (request, reply) => {
        await signOut(deps, personOf(request));
        clearSessionCookie(deps, reply);
        return { ok: true as const };
      },
    );

    app.get(
      "/auth/me",
      { preHandler: requirePerson(deps), schema: { tags: ["auth"], summary: "The signed-in user and the company they act in", response: { 200: Me, ...errors(401) } } },
      async (request) => {
        const actor = personOf(request);
        return {
          user: { id: actor.userId, name: actor.name, email: actor.email, role: actor.role, companyId: actor.companyId, companyName: actor.companyName },
          actingCompany: { id: actor.actingCompanyId, name: actor.actingCompanyName, switched: actor.actingCompanyId !== actor.companyId },
          capabilities: actorCapabilities(actor),
        };
      },
    );
  };
}
