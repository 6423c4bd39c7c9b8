import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { giveGrant } from "../../../features/grants/give-grant.ts";
import { listMemberGrants } from "../../../features/grants/list-member-grants.ts";
import { revokeGrant } from "../../../features/grants/revoke-grant.ts";
import { actorOf, requireActor } from "../../middleware/session.ts";
import { IdParams, Ok, Role, Uuid, errors } from "./schemas.ts";

const GrantParams = z.strictObject({ id: Uuid, companyId: Uuid });
const MemberGrants = z.object({
  memberRole: Role,
  implicitAccess: z.boolean(),
  companies: z.array(z.object({ id: z.string(), name: z.string(), granted: z.boolean(), canChange: z.boolean() })),
});

/** A team member's "managed companies" tab: management grants, one linked company each. */
export function grantRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requireActor(deps));

    app.get(
      "/users/:id/managed-companies",
      { schema: { tags: ["grants"], summary: "Linked companies this team member may manage", params: IdParams, response: { 200: MemberGrants, ...errors(400, 401, 404) } } },
      async (request) => listMemberGrants(deps.db, actorOf(request), request.params.id),
    );

    app.put(
      "/users/:id/managed-companies/:companyId",
      { schema: { tags: ["grants"], summary: "Give a management grant", params: GrantParams, response: { 200: Ok, ...errors(400, 401, 403, 404, 422) } } },
      async (request) => {
        await giveGrant(deps, actorOf(request), request.params.id, request.params.companyId);
        return { ok: true as const };
      },
    );

    app.delete(
      "/users/:id/managed-companies/:companyId",
      { schema: { tags: ["grants"], summary: "Revoke a management grant (effective on the member's next request)", params: GrantParams, response: { 200: Ok, ...errors(400, 401, 403, 404) } } },
      async (request) => {
        await revokeGrant(deps, actorOf(request), request.params.id, request.params.companyId);
        return { ok: true as const };
      },
    );
  };
}
