import type { Actor } from "../access/actor.ts";

/** Every action the audit log records, and what an audited action says. */
export const AUDIT_ACTIONS = [
  "login.succeeded",
  "login.failed",
  "logout",
  "sessions.revoked",
  "company.registered",
  "company.updated",
  "company.deleted",
  "company.restored",
  "company.linked",
  "company.unlinked",
  "company.created_linked",
  "user.created",
  "user.updated",
  "user.role_changed",
  "user.deactivated",
  "user.restored",
  "user.invitation_accepted",
  "user.invitation_sent",
  "password.changed",
  "passkey.registered",
  "passkey.renamed",
  "passkey.removed",
  "second_factor.totp_enabled",
  "second_factor.totp_disabled",
  "second_factor.recovery_codes_regenerated",
  "second_factor.recovery_code_used",
  "second_factor.failed",
  "password_reset.requested",
  "password_reset.completed",
  "password_reset.revoked",
  "second_factor.reset",
  "company.second_factor_policy_changed",
  "link.rejected",
  "rate_limit.hit",
  "grant.given",
  "grant.revoked",
  "company.switched_in",
  "company.switched_out",
  "oidc.authorized",
  "oidc.authorization_refused",
  "oidc.token_issued",
  "oidc.token_refreshed",
  "oidc.token_revoked",
  "oidc.grant_refused",
  "oidc.client_auth_failed",
  "oidc.backchannel_failed",
  "oidc.client_created",
  "oidc.client_secret_rotated",
  "oidc.client_deleted",
  "oidc.signing_key_rotated",
  "api_client.created",
  "api_client.secret_rotated",
  "api_client.deleted",
  "webhook.endpoint_created",
  "webhook.endpoint_updated",
  "webhook.endpoint_deleted",
  "webhook.endpoint_disabled",
  "webhook.secret_rotated",
  "webhook.redelivered",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEventInput {
  action: AuditAction;
  outcome?: "success" | "failure" | "refused";
  actor?: Actor | null;
  /** For actions with no session (login, forgot password): who the actor is, if known. */
  actorUserId?: string | null;
  /** For actions of a machine client with no actor (its token issued): the client, and its name for the log. */
  actorClientId?: string | null;
  actorClientName?: string | null;
  actorCompanyId?: string | null;
  targetUserId?: string | null;
  targetCompanyId?: string | null;
  clientAddress?: string | null;
  details?: Record<string, unknown>;
  at: Date;
}
