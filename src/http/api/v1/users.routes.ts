import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { BULK_ACTIONS, BULK_MAX_USERS, bulkUserAction } from "../../../features/users/bulk-user-action.ts";
import { changeUserRole } from "../../../features/users/change-user-role.ts";
import { createUser } from "../../../features/users/create-user.ts";
import { deactivateUser } from "../../../features/users/deactivate-user.ts";
import { exportUsersCsv } from "../../../features/users/export-users.ts";
import { checkUserImport, previewRow } from "../../../features/users/check-user-import.ts";
import { getUser } from "../../../features/users/get-user.ts";
import { importUsers } from "../../../features/users/import-users.ts";
import { IMPORT_MAX_CHARACTERS, IMPORT_MAX_ROWS } from "../../../features/users/user-import-file.ts";
import { listUsers } from "../../../features/users/list-users.ts";
import { resendInvitation } from "../../../features/users/resend-invitation.ts";
import { restoreUser } from "../../../features/users/restore-user.ts";
import { updateUser } from "../../../features/users/update-user.ts";
import { USER_SORTS } from "../../../features/users/user-order.ts";
import type { UserDetail as UserDetailRow } from "../../../features/access/users-in-scope.ts";
import type { UserSummary as UserSummaryRow } from "../../../features/users/users.queries.ts";
import { actorOf, requireActor } from "../../middleware/session.ts";
import { Email, IdParams, Ok, PersonName, Role, SearchText, Uuid, errors } from "./schemas.ts";

const Cursor = z.string().min(1).max(1000);
/** The new link, so the page can follow its email's delivery in the history (decision 0051); never the link itself. */
const InvitationSent = z.object({ ok: z.literal(true), reset: z.object({ id: z.string(), expiresAt: z.string() }) });
export const ListUsersQuery = z.strictObject({
  q: SearchText.optional(),
  status: z.enum(["active", "deactivated", "all"]).default("all"),
  role: Role.optional().describe("Only users with this role."),
  sort: z.enum(USER_SORTS).default("name").describe("The order: by name (the only one a search uses), email, role, status, last sign-in or creation; ties by id."),
  dir: z.enum(["asc", "desc"]).default("asc"),
  secondFactor: z.enum(["none"]).optional().describe("none: only users with neither an authenticator app nor a passkey (administrators and managers)."),
  after: Cursor.optional(),
  before: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export const ExportUsersQuery = ListUsersQuery.omit({ after: true, before: true, limit: true });
export const CreateUserBody = z.strictObject({ name: PersonName, email: Email, role: Role.default("user") });
export const UpdateUserBody = z
  .strictObject({ name: PersonName.optional(), email: Email.optional() })
  .refine((body) => body.name !== undefined || body.email !== undefined, "Give a name or an email.");
export const ChangeRoleBody = z.strictObject({ role: Role });
export const BulkActionBody = z.strictObject({
  action: z.enum(BULK_ACTIONS).describe("resendInvitation: for users who never set a password; resetPassword: a reset link, as from the user's page."),
  ids: z
    .array(Uuid)
    .min(1, "Choose at least one user.")
    .max(BULK_MAX_USERS, `Choose at most ${BULK_MAX_USERS} users at a time.`)
    .refine((ids) => new Set(ids.map((id) => id.toLowerCase())).size === ids.length, "Each user may be named only once."),
});
const BulkResults = z.object({
  results: z.array(
    z.object({ id: z.string(), ok: z.boolean(), error: z.object({ code: z.string(), message: z.string() }).optional() }).describe("In the order the ids were given."),
  ),
  succeeded: z.number().int(),
  failed: z.number().int(),
});
export const ImportUsersBody = z.strictObject({
  csv: z
    .string()
    .max(IMPORT_MAX_CHARACTERS, `The file is larger than ${IMPORT_MAX_CHARACTERS / 1024} KB. Split it into smaller files.`)
    .describe(`The file's text: a header naming name, email and (optionally) role, then one user a line; at most ${IMPORT_MAX_ROWS} users.`),
});
/** JSON escapes can double the CSV's size; anything beyond this is refused before it is parsed (413). */
export const IMPORT_BODY_LIMIT = 3 * IMPORT_MAX_CHARACTERS;
const RowError = z.object({ code: z.string(), message: z.string() });
const ImportRowFields = { line: z.number().int(), name: z.string(), email: z.string(), role: z.string() };
const ImportPreview = z.object({
  rows: z.array(z.object({ ...ImportRowFields, ok: z.boolean(), error: RowError.optional() })).describe("One per user line of the file, in its order."),
  valid: z.number().int().describe("Rows that would be created: each one an invitation."),
  invalid: z.number().int().describe("Rows with an error: while there is one, an import writes nothing."),
  ignoredColumns: z.array(z.string()).describe("Header cells other than name, email and role (an export's status, dates…), not read."),
  invitationsLeft: z.number().int().describe("Invitations you may still send this hour (per sender and per company, decision 0020): rows past it would be refused with RATE_LIMITED."),
});
const ImportResults = z.object({
  rows: z.array(z.object({ ...ImportRowFields, ok: z.boolean(), userId: z.string().optional(), error: RowError.optional() })),
  created: z.number().int(),
  failed: z.number().int().describe("Rows refused while creating: an invitation limit reached (RATE_LIMITED), an address taken meanwhile."),
});

const UserSummary = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: Role,
  status: z.enum(["active", "deactivated"]),
  hasPassword: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
const UserDetail = UserSummary.extend({
  company: z.object({ id: z.string(), name: z.string() }),
  passwordChangedAt: z.string().nullable(),
  deactivatedAt: z.string().nullable(),
});
const UserPermissions = z.object({
  edit: z.boolean(),
  changeRole: z.boolean(),
  assignableRoles: z.array(Role),
  deactivate: z.boolean(),
  restore: z.boolean(),
  resetPassword: z.boolean(),
  resetSecondFactor: z.boolean(),
  signOut: z.boolean().describe("Whether the actor may see this user's sessions and sign them out everywhere"),
  viewSignIns: z.boolean().describe("Whether the actor may read this user's recent sign-ins (GET /users/{id}/sign-ins)"),
});
/** Kinds and counts, never a secret; null for those who may not reset second factors (decision 0039). */
export const SecondFactorSummary = z
  .object({
    authenticatorApp: z.boolean(),
    authenticatorAppPending: z.boolean().describe("An authenticator app set up but not yet confirmed: no factor yet."),
    passkeys: z.number().int(),
    recoveryCodesRemaining: z.number().int(),
    hasSecondFactor: z.boolean(),
    enrolmentDueSince: z.string().nullable().describe("Since when the user must set up a second factor at their next sign-in, after a reset."),
  })
  .nullable();
const OneUser = z.object({ user: UserDetail });

const iso = (date: Date | null) => date?.toISOString() ?? null;

function summaryJson(user: UserSummaryRow): z.infer<typeof UserSummary> {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    status: user.status,
    hasPassword: user.hasPassword,
    lastLoginAt: iso(user.lastLoginAt),
    createdAt: user.createdAt.toISOString(),
  };
}

function detailJson(user: UserDetailRow): { user: z.infer<typeof UserDetail> } {
  return {
    user: {
      ...summaryJson(user),
      company: { id: user.companyId, name: user.companyName },
      passwordChangedAt: iso(user.passwordChangedAt),
      deactivatedAt: iso(user.deactivatedAt),
    },
  };
}

/** The acting company's users. Every lookup goes through the company scope: out of scope is 404. */
export function userRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("preHandler", requireActor(deps));
    const tags = ["users"];

    app.get(
      "/users",
      {
        schema: {
          tags,
          summary: "List and search the company's users, in the order asked for, a page at a time",
          querystring: ListUsersQuery,
          response: {
            200: z.object({ users: z.array(UserSummary), nextCursor: z.string().nullable(), prevCursor: z.string().nullable(), total: z.number(), totalCapped: z.boolean() }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (request) => {
        const page = await listUsers(deps, actorOf(request), request.query);
        return { ...page, users: page.users.map(summaryJson) };
      },
    );

    app.post(
      "/users",
      { schema: { tags, summary: "Create a user and email them an invitation", body: CreateUserBody, response: { 201: OneUser, ...errors(400, 401, 403, 409, 429) } } },
      async (request, reply) => {
        const user = await createUser(deps, actorOf(request), request.body);
        return reply.code(201).send(detailJson(user));
      },
    );

    app.get(
      "/users/export.csv",
      {
        schema: {
          tags,
          summary: "The users list as CSV, with the list's filters and order (cells starting with = + - @ get a leading apostrophe)",
          querystring: ExportUsersQuery,
          produces: ["text/csv"],
          response: { 200: z.string(), ...errors(400, 401, 403) },
        },
      },
      async (request, reply) => {
        const csv = await exportUsersCsv(deps, actorOf(request), request.query);
        return reply.type("text/csv; charset=utf-8").header("content-disposition", 'attachment; filename="users.csv"').send(csv);
      },
    );

    app.post(
      "/users/bulk",
      {
        schema: {
          tags,
          summary: "One action on many users, each under the same rules and limits as the single-user action; a result per user",
          body: BulkActionBody,
          response: { 200: BulkResults, ...errors(400, 401, 403) },
        },
      },
      async (request) => {
        const results = await bulkUserAction(deps, actorOf(request), request.body.action, request.body.ids);
        const succeeded = results.filter((result) => result.ok).length;
        return { results, succeeded, failed: results.length - succeeded };
      },
    );

    app.post(
      "/users/import/preview",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          summary: "Check a CSV file of users (name, email, role) row by row, writing nothing",
          body: ImportUsersBody,
          response: { 200: ImportPreview, ...errors(400, 401, 403, 413, 422) },
        },
      },
      async (request) => {
        const checked = await checkUserImport(deps, actorOf(request), request.body.csv);
        return {
          rows: checked.rows.map(previewRow),
          valid: checked.rows.length - checked.invalid,
          invalid: checked.invalid,
          ignoredColumns: checked.ignoredColumns,
          invitationsLeft: checked.invitationsLeft,
        };
      },
    );

    app.post(
      "/users/import",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags,
          summary: "Create and invite the users of a CSV file: with any row in error nobody is created (422, the rows in error.details.rows)",
          body: ImportUsersBody,
          response: { 200: ImportResults, ...errors(400, 401, 403, 413, 422) },
        },
      },
      async (request) => {
        const rows = await importUsers(deps, actorOf(request), request.body.csv);
        const created = rows.filter((row) => row.ok).length;
        return { rows, created, failed: rows.length - created };
      },
    );

    app.get(
      "/users/:id",
      {
        schema: {
          tags,
          summary: "A user, and what you may do to them",
          params: IdParams,
          response: { 200: z.object({ user: UserDetail, permissions: UserPermissions, secondFactors: SecondFactorSummary }), ...errors(400, 401, 404) },
        },
      },
      async (request) => {
        const { user, permissions, secondFactors } = await getUser(deps, actorOf(request), request.params.id);
        return {
          ...detailJson(user),
          permissions,
          secondFactors: secondFactors && { ...secondFactors, enrolmentDueSince: iso(secondFactors.enrolmentDueSince) },
        };
      },
    );

    app.patch(
      "/users/:id",
      { schema: { tags, summary: "Change another user's name or email", params: IdParams, body: UpdateUserBody, response: { 200: OneUser, ...errors(400, 401, 403, 404, 409) } } },
      async (request) => detailJson(await updateUser(deps, actorOf(request), request.params.id, request.body)),
    );

    app.put(
      "/users/:id/role",
      { schema: { tags, summary: "Change another user's role", params: IdParams, body: ChangeRoleBody, response: { 200: OneUser, ...errors(400, 401, 403, 404) } } },
      async (request) => detailJson(await changeUserRole(deps, actorOf(request), request.params.id, request.body.role)),
    );

    app.post(
      "/users/:id/deactivate",
      { schema: { tags, summary: "Deactivate (delete) a user: sessions and links end now", params: IdParams, response: { 200: OneUser, ...errors(400, 401, 403, 404, 409) } } },
      async (request) => detailJson(await deactivateUser(deps, actorOf(request), request.params.id)),
    );

    app.post(
      "/users/:id/restore",
      { schema: { tags, summary: "Restore a deactivated user, without their old password", params: IdParams, response: { 200: OneUser, ...errors(400, 401, 403, 404, 409) } } },
      async (request) => detailJson(await restoreUser(deps, actorOf(request), request.params.id)),
    );

    app.post(
      "/users/:id/invitation",
      { schema: { tags, summary: "Send a new invitation to a user who has never set a password", params: IdParams, response: { 202: InvitationSent, ...errors(400, 401, 403, 404, 409, 429) } } },
      async (request, reply) => {
        const sent = await resendInvitation(deps, actorOf(request), request.params.id);
        return reply.code(202).send({ ok: true as const, reset: { id: sent.linkId, expiresAt: sent.expiresAt.toISOString() } });
      },
    );
  };
}
