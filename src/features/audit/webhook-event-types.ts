/**
 * The webhook event catalogue: every type an endpoint may subscribe to, grouped as the dashboard
 * shows them. The OpenAPI document describes each (src/http/api/v1/webhook-catalogue.ts).
 */
export const WEBHOOK_EVENT_GROUPS = {
  users: ["user.created", "user.updated", "user.role_changed", "user.deactivated", "user.restored", "user.invitation_sent"],
  passwords: ["password_reset.requested", "password.changed", "user.sessions_revoked", "user.second_factor_reset"],
  access: ["grant.given", "grant.revoked", "user.signed_in_to_application"],
  companies: ["company.linked", "company.unlinked", "company.deleted"],
} as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_GROUPS)[keyof typeof WEBHOOK_EVENT_GROUPS][number];

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = Object.values(WEBHOOK_EVENT_GROUPS).flat();

export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  "user.created": "A user was created (by an administrator, an API client, the operator, or by registering a company).",
  "user.updated": "A user's name or email address was changed by someone else.",
  "user.role_changed": "A user's role changed.",
  "user.deactivated": "A user was deactivated: their sessions and links ended.",
  "user.restored": "A deactivated user was restored.",
  "user.invitation_sent": "An invitation email was sent to a user: with their creation, or again.",
  "password_reset.requested": "A password reset link was sent; names who asked (the user, an administrator, an API client). Never the link.",
  "password.changed": "A user's password changed: from their account settings, or with a reset link.",
  "user.sessions_revoked": "Every session of a user ended (password changed or reset, second factor reset, deactivation).",
  "user.second_factor_reset": "A user's second factors were removed by an administrator, a team member, an API client or the operator; they set one up again at their next sign-in. Never the factors.",
  "grant.given": "A team member of the parent company was given management of a linked company.",
  "grant.revoked": "A team member's management of a linked company was withdrawn.",
  "user.signed_in_to_application": "A user authorized an application through Latchkey's OpenID provider.",
  "company.linked": "The operator linked a company to a multi-company parent (sent to both).",
  "company.unlinked": "The operator un-linked a company from its parent (sent to both).",
  "company.deleted": "A company was deleted: its users can no longer sign in.",
};

export const WEBHOOK_EVENT_GROUP_LABELS: Record<keyof typeof WEBHOOK_EVENT_GROUPS, string> = {
  users: "Users",
  passwords: "Passwords and sessions",
  access: "Access and sign-ins",
  companies: "Companies",
};

/** The catalogue as the dashboard shows it: groups of events, each with what it means. */
export function webhookEventCatalogue() {
  return Object.entries(WEBHOOK_EVENT_GROUPS).map(([id, types]) => ({
    id,
    label: WEBHOOK_EVENT_GROUP_LABELS[id as keyof typeof WEBHOOK_EVENT_GROUPS],
    events: types.map((type) => ({ type, description: WEBHOOK_EVENT_DESCRIPTIONS[type] })),
  }));
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
