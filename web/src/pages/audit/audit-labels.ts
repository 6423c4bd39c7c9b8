import type { AuditEvent, Role } from "../../api/types.ts";
import { ROLE_LABELS } from "../../lib/format.ts";

/** Readable names for the server's audit actions, grouped as the action filter shows them. */
export const ACTION_GROUPS: Array<{ label: string; actions: Array<[string, string]> }> = [
  {
    label: "Sign-in",
    actions: [
      ["login.succeeded", "Signed in"],
      ["login.failed", "Sign-in failed"],
      ["logout", "Signed out"],
      ["rate_limit.hit", "Rate limit reached"],
    ],
  },
  {
    label: "Passwords and links",
    actions: [
      ["password_reset.requested", "Password reset requested"],
      ["password_reset.completed", "Password reset completed"],
      ["password_reset.revoked", "Reset link revoked"],
      ["password.changed", "Password changed"],
      ["link.rejected", "Link refused"],
    ],
  },
  {
    label: "Two-factor authentication",
    actions: [
      ["second_factor.totp_enabled", "Authenticator app turned on"],
      ["second_factor.totp_disabled", "Authenticator app turned off"],
      ["second_factor.recovery_codes_regenerated", "Recovery codes replaced"],
      ["second_factor.recovery_code_used", "Recovery code used"],
      ["second_factor.failed", "Second step failed"],
      ["passkey.registered", "Passkey added"],
      ["passkey.renamed", "Passkey renamed"],
      ["passkey.removed", "Passkey removed"],
      ["second_factor.reset", "Two-factor reset"],
    ],
  },
  {
    label: "Users",
    actions: [
      ["user.created", "User created"],
      ["user.invitation_sent", "Invitation sent"],
      ["user.invitation_accepted", "Invitation accepted"],
      ["user.updated", "User updated"],
      ["user.role_changed", "Role changed"],
      ["user.deactivated", "User deactivated"],
      ["user.restored", "User restored"],
    ],
  },
  {
    label: "Companies",
    actions: [
      ["company.registered", "Company registered"],
      ["company.updated", "Company updated"],
      ["company.second_factor_policy_changed", "Two-factor policy changed"],
      ["company.deleted", "Company deleted"],
      ["company.restored", "Company restored"],
    ],
  },
  {
    label: "Linked companies",
    actions: [
      ["company.linked", "Company linked"],
      ["company.unlinked", "Company un-linked"],
      ["company.created_linked", "Linked company created"],
      ["grant.given", "Management grant given"],
      ["grant.revoked", "Management grant revoked"],
      ["company.switched_in", "Switched into company"],
      ["company.switched_out", "Switched back to own company"],
    ],
  },
  {
    label: "Applications (OpenID Connect)",
    actions: [
      ["oidc.authorized", "Signed in to an application"],
      ["oidc.authorization_refused", "Application sign-in refused"],
      ["oidc.token_issued", "Application tokens issued"],
      ["oidc.token_refreshed", "Application tokens refreshed"],
      ["oidc.token_revoked", "Application token revoked"],
      ["oidc.grant_refused", "Application token refused"],
      ["oidc.client_auth_failed", "Application authentication failed"],
      ["oidc.backchannel_failed", "Application sign-out not delivered"],
      ["oidc.client_created", "Application registered"],
      ["oidc.client_secret_rotated", "Application secret rotated"],
      ["oidc.client_deleted", "Application removed"],
      ["oidc.signing_key_rotated", "Signing key rotated"],
    ],
  },
  {
    label: "API clients",
    actions: [
      ["api_client.created", "API client created"],
      ["api_client.secret_rotated", "API client secret rotated"],
      ["api_client.deleted", "API client deleted"],
    ],
  },
];

const LABELS = new Map(ACTION_GROUPS.flatMap((group) => group.actions));

export function actionLabel(action: string): string {
  return LABELS.get(action) ?? action;
}

export const OUTCOMES: Record<string, { label: string; tone: string }> = {
  success: { label: "Success", tone: "success" },
  failure: { label: "Failed", tone: "danger" },
  refused: { label: "Refused", tone: "warning" },
};

const VIA: Record<string, string> = {
  self: "asked by the user",
  team_member: "by a team member",
  forgot_password: "from the sign-in page",
  cli: "by the operator",
  integration: "through an API client",
};

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const roleName = (value: unknown): string => (typeof value === "string" && value in ROLE_LABELS ? ROLE_LABELS[value as Role] : String(value));

/** One short line from an event's details, where they add something the columns do not say. */
export function describeDetails(event: AuditEvent): string | null {
  const d = event.details;
  const parts: string[] = [];
  if (event.action === "user.role_changed" && d.from && d.to) parts.push(`${roleName(d.from)} → ${roleName(d.to)}`);
  if (event.action === "user.updated" && text(d.previousEmail) && text(d.newEmail)) parts.push(`email ${text(d.previousEmail)} → ${text(d.newEmail)}`);
  if ((event.action === "grant.given" || event.action === "grant.revoked") && text(d.companyName)) parts.push(`for ${text(d.companyName)}`);
  if (event.action === "grant.revoked" && text(d.reason)) parts.push(d.reason === "deactivated" ? "member deactivated" : "member's role lowered");
  if (event.action === "link.rejected" && text(d.reason)) parts.push(`link ${text(d.reason)}`);
  if (event.action === "rate_limit.hit" && text(d.flow)) parts.push(String(d.flow).replace(/_/g, " "));
  if (event.action.startsWith("api_client.") && text(d.clientName)) parts.push(`“${text(d.clientName)}”`);
  if (event.action === "api_client.created" && Array.isArray(d.scopes)) parts.push(d.scopes.filter((s) => typeof s === "string").join(", "));
  const via = text(d.via);
  // A reset sent from the company's own user page: by whichever role acted (rows from before the role was recorded say both).
  if (via === "administrator") parts.push(d.actorRole === "manager" ? "by a manager" : d.actorRole === "administrator" ? "by an administrator" : "by an administrator or manager");
  else if (via && VIA[via]) parts.push(VIA[via]);
  if (event.grantId) parts.push("through a management grant");
  return parts.length > 0 ? parts.join(", ") : null;
}
