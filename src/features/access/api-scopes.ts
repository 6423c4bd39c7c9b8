import type { Permission } from "./permissions.ts";

/**
 * What a company's machine client may be given (decision 0028), each scope a set of the permissions
 * of permissions.ts. A client acts with an administrator's reach cut down to its scopes' permissions:
 * never the company's name or deletion, never linked companies' creation, never other API clients,
 * never the operator's powers — no scope names them.
 */
export const API_SCOPES = {
  "users:read": ["company.view", "users.view"],
  "users:write": ["company.view", "users.view", "users.create", "users.updateDetails", "users.changeRole", "users.deactivate", "users.restore"],
  "users:reset": ["company.view", "users.view", "users.triggerReset"],
  /**
   * Its own scope, not part of users:reset (decision 0039): a reset link reaches only the user's
   * mailbox, while a second-factor reset weakens the account at once; clients given users:reset
   * before it existed keep exactly the power they were given.
   */
  "users:second-factor": ["company.view", "users.view", "users.resetSecondFactor"],
  "audit:read": ["audit.view"],
  "grants:manage": ["company.view", "users.view", "grants.manage"],
} as const satisfies Record<string, readonly Permission[]>;

export type ApiScope = keyof typeof API_SCOPES;

export const API_SCOPE_NAMES = Object.keys(API_SCOPES) as ApiScope[];

export const API_SCOPE_DESCRIPTIONS: Record<ApiScope, string> = {
  "users:read": "Read the company and its users",
  "users:write": "Create users, edit their details and roles, deactivate and restore them",
  "users:reset": "Send password resets and invitations, and cancel them",
  "users:second-factor": "Reset users' second factors (they set one up again at their next sign-in)",
  "audit:read": "Read the audit log",
  "grants:manage": "Give and revoke management grants in linked companies",
};

export const isApiScope = (value: string): value is ApiScope => Object.hasOwn(API_SCOPES, value);

export function scopesAllow(scopes: readonly ApiScope[], permission: Permission): boolean {
  return scopes.some((scope) => (API_SCOPES[scope] as readonly Permission[]).includes(permission));
}
