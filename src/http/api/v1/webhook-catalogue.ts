import { z } from "zod";
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../../../features/audit/webhook-event-types.ts";
import { ROLES } from "../../../features/access/roles.ts";

const Id = z.string().describe("A UUID.");
const Actor = z
  .union([
    z.object({ type: z.literal("user"), id: Id, name: z.string(), companyId: Id }),
    z.object({ type: z.literal("api_client"), id: Id, name: z.string(), companyId: Id }).describe("A company's machine client acting through a bearer token."),
    z.object({ type: z.literal("operator") }).describe("The operator's CLI, or Latchkey itself."),
  ])
  .nullable();
const UserSnapshot = z.object({ id: Id, email: z.string(), name: z.string(), role: z.enum(ROLES), status: z.enum(["active", "deactivated"]), companyId: Id });
const CompanySnapshot = z.object({ id: Id, name: z.string(), parentId: Id.nullable() });

/** What each event's `data` says beyond the subject's snapshot. */
const EXTRA: Record<WebhookEventType, z.ZodRawShape> = {
  "user.created": { role: z.string().optional(), via: z.string().optional().describe("registration for a company's first user, who registered it.") },
  "user.updated": { changed: z.array(z.enum(["name", "email"])) },
  "user.role_changed": { from: z.enum(ROLES), to: z.enum(ROLES) },
  "user.deactivated": { linksRevoked: z.number().optional() },
  "user.restored": { passwordCleared: z.boolean().optional() },
  "user.invitation_sent": { first: z.boolean().describe("true for the invitation sent with the user's creation, false when sent again.") },
  "password_reset.requested": { via: z.string().nullable().describe("forgot_password, self, administrator or team_member; who asked is the actor."), expiresAt: z.string().nullable() },
  "password.changed": { how: z.enum(["change", "reset"]) },
  "user.sessions_revoked": { reason: z.enum(["deactivated", "password_changed", "password_reset", "second_factor_reset"]) },
  "user.second_factor_reset": {
    removed: z
      .object({ authenticatorApp: z.boolean(), passkeys: z.number(), recoveryCodes: z.number() })
      .nullable()
      .describe("What was removed, by kind: whether an authenticator app, how many passkeys and unused recovery codes. Never a secret."),
  },
  "grant.given": { memberName: z.string(), companyName: z.string() },
  "grant.revoked": { memberName: z.string(), companyName: z.string(), reason: z.string().optional() },
  "user.signed_in_to_application": { clientId: z.string(), clientName: z.string(), access: z.enum(["member", "grant", "parent_administrator"]), scope: z.string() },
  "company.linked": { parentName: z.string(), companyName: z.string() },
  "company.unlinked": { companyName: z.string(), grantsRemoved: z.number() },
  "company.deleted": { name: z.string() },
};

function payloadOf(type: WebhookEventType) {
  const onCompany = type.startsWith("company.");
  const data = z.looseObject({ ...(onCompany ? {} : { user: UserSnapshot }), company: CompanySnapshot, ...EXTRA[type] });
  return z.object({
    id: Id.describe("The event's id: also the webhook-id header, the same on every retry and redelivery. Deduplicate by it."),
    type: z.literal(type),
    timestamp: z.string().describe("When the action happened (ISO 8601)."),
    companyId: Id.nullable(),
    actor: Actor,
    subject: z.object({ type: z.literal(onCompany ? "company" : "user"), id: Id }).describe("Events of one subject to one endpoint arrive in order."),
    data,
  });
}

const HEADERS = [
  { name: "webhook-id", description: "The event id." },
  { name: "webhook-timestamp", description: "Seconds since the epoch, when this attempt was signed." },
  { name: "webhook-signature", description: "Space-separated `v1,<base64 HMAC-SHA256>` signatures of `id.timestamp.body` (two during a secret rotation's overlap)." },
].map((header) => ({ in: "header", required: true, schema: { type: "string" }, ...header }));

/**
 * The event catalogue as OpenAPI 3.1 `webhooks`: one POST per event type with its JSON schema and
 * the Standard Webhooks headers (decision 0032).
 */
export function webhookCatalogueDocument(): Record<string, object> {
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          tags: ["webhook events"],
          summary: type,
          description: `${WEBHOOK_EVENT_DESCRIPTIONS[type]} Signed with the Standard Webhooks scheme; verify with the endpoint's whsec_ secret before trusting it.`,
          operationId: `webhook_${type.replace(/\W/g, "_")}`,
          parameters: HEADERS,
          requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(payloadOf(type), { target: "draft-2020-12" }) } } },
          responses: { "2XX": { description: "Received. Any other answer (or none within the timeout) is retried with back-off." } },
        },
      },
    ]),
  );
}
