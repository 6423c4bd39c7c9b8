import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import type { PersonActor } from "../../../features/access/actor.ts";
import { listTeamMembersWithAccess } from "../../../features/grants/list-team-members-with-access.ts";
import { requireMultiCompanyProfile } from "../../../features/access/linked-company-access.ts";
import { countCompaniesCreatedByParent } from "../../../features/linked-companies/linked-companies.queries.ts";
import { listManagedCompanies, managedCompaniesCsv } from "../../../features/linked-companies/list-managed-companies.ts";
import { createLinkedCompany } from "../../../features/linked-companies/create-linked-company.ts";
import { switchBackToOwnCompany, switchIntoCompany } from "../../../features/linked-companies/switch-company.ts";
import { personOf, requirePerson } from "../../middleware/session.ts";
import { CompanyName, Email, Ok, PersonName, SearchText, Uuid, errors } from "./schemas.ts";

const ManagedCompaniesQuery = z.strictObject({
  q: SearchText.trim().optional(),
  after: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
const ManagedCompany = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  userCount: z.number(),
  lastLoginAt: z.string().nullable(),
  canManage: z.boolean(),
});
const SwitchBody = z.strictObject({ companyId: Uuid });
const CreateLinkedBody = z.strictObject({ name: CompanyName, adminName: PersonName, adminEmail: Email });
const ActingCompany = z.object({ actingCompany: z.object({ id: z.string(), name: z.string(), switched: z.boolean() }) });
const TeamMembers = z.object({
  parent: z.object({ name: z.string() }).nullable(),
  members: z.array(
    z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string(), hasAccess: z.boolean(), via: z.enum(["administrator", "grant"]).nullable() }),
  ),
});

const memberOf = (actor: PersonActor) => ({ userId: actor.userId, companyId: actor.companyId, role: actor.role });

/** The parent's side of multi-company profiles: its linked companies, switching in and back. */
export function linkedCompanyRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requirePerson(deps));

    app.get(
      "/managed-companies",
      {
        schema: {
          tags: ["linked companies"],
          summary: "The linked companies of your multi-company profile",
          querystring: ManagedCompaniesQuery,
          response: {
            200: z.object({
              companies: z.array(ManagedCompany),
              nextCursor: z.string().nullable(),
              total: z.number(),
              allowance: z
                .object({ limit: z.number(), used: z.number() })
                .describe("How many linked companies this company may create itself (limit), and how many it has (used); companies the operator linked do not count"),
            }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (request) => {
        const actor = personOf(request);
        const company = await requireMultiCompanyProfile(deps.db, actor);
        const page = await listManagedCompanies(deps.db, memberOf(actor), request.query);
        return {
          ...page,
          companies: page.companies.map((c) => ({ ...c, createdAt: c.createdAt.toISOString(), lastLoginAt: c.lastLoginAt?.toISOString() ?? null })),
          allowance: { limit: company.linkedAllowance, used: await countCompaniesCreatedByParent(deps.db, company.id) },
        };
      },
    );

    app.get(
      "/managed-companies/export.csv",
      { schema: { tags: ["linked companies"], summary: "CSV of the linked companies", produces: ["text/csv"], ...{ response: { 200: z.string(), ...errors(401, 403) } } } },
      async (request, reply) => {
        const actor = personOf(request);
        await requireMultiCompanyProfile(deps.db, actor);
        const csv = await managedCompaniesCsv(deps.db, memberOf(actor));
        return reply.type("text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="managed-companies.csv"').send(csv);
      },
    );

    app.post(
      "/managed-companies",
      {
        schema: {
          tags: ["linked companies"],
          summary: "Create a linked company within your allowance; its administrator is invited by email",
          body: CreateLinkedBody,
          response: { 201: z.object({ company: z.object({ id: z.string(), name: z.string() }) }), ...errors(400, 401, 403, 409, 429) },
        },
      },
      async (request, reply) => {
        const company = await createLinkedCompany(deps, personOf(request), request.body);
        return reply.code(201).send({ company });
      },
    );

    app.post(
      "/session/switch",
      { schema: { tags: ["linked companies"], summary: "Switch into a linked company you manage", body: SwitchBody, response: { 200: ActingCompany, ...errors(400, 401, 404) } } },
      async (request) => {
        const company = await switchIntoCompany(deps, personOf(request), request.body.companyId);
        return { actingCompany: { id: company.id, name: company.name, switched: true } };
      },
    );

    app.post(
      "/session/switch-back",
      { schema: { tags: ["linked companies"], summary: "Switch back to your own company", response: { 200: Ok, ...errors(401) } } },
      async (request) => {
        await switchBackToOwnCompany(deps, personOf(request));
        return { ok: true as const };
      },
    );

    app.get(
      "/company/team-members",
      { schema: { tags: ["linked companies"], summary: "Team members of the parent company and whether they can manage this company", response: { 200: TeamMembers, ...errors(401) } } },
      async (request) => listTeamMembersWithAccess(deps.db, personOf(request)),
    );
  };
}
