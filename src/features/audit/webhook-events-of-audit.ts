import type { AuditAction } from "./audit-event.ts";
import type { WebhookEventType } from "./webhook-event-types.ts";

/**
 * Which webhook events a successful audited action is (decision 0032): the hook sits in the audit
 * write, so every action that is audited is announced, in its own transaction. Some actions are
 * two events (a completed reset changes the password and ends the sessions; a user's creation sends
 * the invitation).
 */
export const EVENTS_OF_AUDIT_ACTION: Partial<Record<AuditAction, readonly WebhookEventType[]>> = {
  "company.deleted": ["company.deleted"],
  "company.linked": ["company.linked"],
  "company.unlinked": ["company.unlinked"],
  // A registration creates the company's first user; every other creation also sends an invitation.
  "company.registered": ["user.created"],
  "user.created": ["user.created", "user.invitation_sent"],
  "user.updated": ["user.updated"],
  "user.role_changed": ["user.role_changed"],
  "user.deactivated": ["user.deactivated", "user.sessions_revoked"],
  "user.restored": ["user.restored"],
  "user.invitation_sent": ["user.invitation_sent"],
  "password_reset.requested": ["password_reset.requested"],
  "password.changed": ["password.changed", "user.sessions_revoked"],
  "password_reset.completed": ["password.changed", "user.sessions_revoked"],
  "second_factor.reset": ["user.second_factor_reset", "user.sessions_revoked"],
  "grant.given": ["grant.given"],
  "grant.revoked": ["grant.revoked"],
  "oidc.authorized": ["user.signed_in_to_application"],
};

/** Details of the audit row that stay out of the event: internal ids a receiver cannot use. */
export const DETAILS_LEFT_OUT = new Set(["linkId", "emailId", "linkTokenId", "grantId"]);

const SESSIONS_REVOKED_REASON: Partial<Record<AuditAction, string>> = {
  "user.deactivated": "deactivated",
  "password_reset.completed": "password_reset",
  "second_factor.reset": "second_factor_reset",
};

/** What each event says about the audited action beyond the snapshot of its subject. */
export function eventDataOf(type: WebhookEventType, action: AuditAction, details: Record<string, unknown>): Record<string, unknown> {
  const kept = Object.fromEntries(Object.entries(details).filter(([key]) => !DETAILS_LEFT_OUT.has(key)));
  switch (type) {
    case "user.created":
      return action === "company.registered" ? { via: "registration", role: "administrator" } : kept;
    case "user.invitation_sent":
      return { first: action !== "user.invitation_sent" };
    case "password.changed":
      return { how: action === "password_reset.completed" ? "reset" : "change" };
    case "user.sessions_revoked":
      return { reason: SESSIONS_REVOKED_REASON[action] ?? "password_changed" };
    case "user.second_factor_reset":
      // What was removed, by kind and count: never a secret, a credential id or a passkey's name.
      return { removed: kept.removed ?? null };
    case "password_reset.requested":
      // Who asked is the event's actor; "via" says how (forgot_password, administrator, …). Never the link.
      return { via: kept.via ?? null, expiresAt: kept.expiresAt ?? null };
    default:
      return kept;
  }
}
