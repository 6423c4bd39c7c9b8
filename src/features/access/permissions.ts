import type { Role } from "./roles.ts";

/**
 * PRODUCT.md section 2, as data. A task not listed for a role is refused. The rules about
 * *which* target a role may act on are the tables below, not code scattered in use cases.
 */
export const PERMISSIONS = {
  "company.view": ["administrator", "manager", "user", "read_only"],
  "users.view": ["administrator", "manager", "user", "read_only"],
  "company.rename": ["administrator"],
  "company.delete": ["administrator"],
  "company.updateContact": ["administrator", "manager"],
  /** The second-factor policy (issue 18, decision 0039): no API scope holds it, like the company's name. */
  "company.setSecondFactorPolicy": ["administrator"],
  "users.create": ["administrator", "manager"],
  "users.updateDetails": ["administrator", "manager"],
  "users.changeRole": ["administrator", "manager"],
  "users.deactivate": ["administrator", "manager"],
  "users.restore": ["administrator", "manager"],
  "users.triggerReset": ["administrator", "manager"],
  /** Removing another user's second factors so they enrol again (issue 18, decision 0039): beside the password reset. */
  "users.resetSecondFactor": ["administrator", "manager"],
  /**
   * Seeing another user's sessions and signing them out everywhere (issue 19, decision 0048): no API
   * scope holds it, so only a person in the dashboard does it.
   */
  "users.signOut": ["administrator", "manager"],
  /**
   * A user's recent sign-ins, failures included (decision 0051): addresses and devices are security
   * data, like the reset history; no API scope holds it, so only a person in the dashboard reads it.
   */
  "users.viewSignIns": ["administrator", "manager"],
  "audit.view": ["administrator"],
  "linkedCompanies.create": ["administrator"],
  "grants.manage": ["administrator", "manager"],
  /** The company's machine clients (decision 0028): no API scope holds it, so a client never manages clients. */
  "apiClients.manage": ["administrator"],
  "webhooks.manage": ["administrator"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Roles an actor may give, when creating a user or changing a role. Administrators come only from the operator. */
export const ASSIGNABLE_ROLES: Record<Role, readonly Role[]> = {
  administrator: ["manager", "user", "read_only"],
  manager: ["user", "read_only"],
  user: [],
  read_only: [],
};

/**
 * Roles of the users an actor may edit (name, email), change the role of, deactivate or restore.
 * Administrators act on every non-administrator; managers on users and read-only users. Changing
 * another administrator is the operator's job (decision 0004).
 */
export const MANAGEABLE_TARGET_ROLES: Record<Role, readonly Role[]> = {
  administrator: ["manager", "user", "read_only"],
  manager: ["user", "read_only"],
  user: [],
  read_only: [],
};

/** Anyone the actor may send a reset link to: the link goes to the target's own address (decision 0004). */
export const RESETTABLE_TARGET_ROLES: Record<Role, readonly Role[]> = {
  administrator: ["administrator", "manager", "user", "read_only"],
  manager: ["administrator", "manager", "user", "read_only"],
  user: [],
  read_only: [],
};
