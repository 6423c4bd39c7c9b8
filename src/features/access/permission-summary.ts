import { AppError } from "../../errors.ts";
import { assertMayChangeRoleOf, assertMayManageUser, assertMayResetSecondFactor, assertMaySignOutUser, assertMayTriggerReset, can, type Asker, type Party } from "./authorize.ts";
import { ASSIGNABLE_ROLES } from "./permissions.ts";
import { mayHoldGrant } from "./linked-company-access.ts";
import { ROLES } from "./roles.ts";

/**
 * What the dashboard may offer, computed by running the very checks the use cases run: a button
 * shows exactly when the request behind it would pass (state aside, such as "already deactivated").
 */
function passes(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

export function companyPermissions(asker: Asker) {
  return {
    rename: can(asker, "company.rename"),
    updateContact: can(asker, "company.updateContact"),
    delete: can(asker, "company.delete"),
    setSecondFactorPolicy: can(asker, "company.setSecondFactorPolicy"),
  };
}

/**
 * What the signed-in actor may do wherever they act, for the dashboard's navigation and forms
 * (GET /auth/me): the same checks the use cases run, so the dashboard keeps no copy of the roles table.
 */
export function actorCapabilities(asker: Asker) {
  return {
    viewAuditLog: can(asker, "audit.view"),
    createLinkedCompanies: can(asker, "linkedCompanies.create"),
    manageGrants: can(asker, "grants.manage"),
    manageApiClients: can(asker, "apiClients.manage"),
    manageWebhooks: can(asker, "webhooks.manage"),
    /** Roles a team member must have to hold a management grant. */
    grantHolderRoles: ROLES.filter(mayHoldGrant),
    createUsers: can(asker, "users.create"),
    /** Users' second factors: the user page's summary, the list's "no second factor" filter (decision 0039). */
    viewSecondFactors: can(asker, "users.resetSecondFactor"),
    /** Roles a user created by this actor may get, the first the default. */
    creatableRoles: can(asker, "users.create") ? [...ASSIGNABLE_ROLES[asker.role]] : [],
  };
}

export interface TargetUser extends Party {
  status: "active" | "deactivated";
}

export function userPermissions(actor: Asker, target: TargetUser) {
  const active = target.status === "active";
  const changeRole = passes(() => assertMayChangeRoleOf(actor, target));
  return {
    edit: passes(() => assertMayManageUser(actor, target, "users.updateDetails")),
    changeRole,
    assignableRoles: changeRole ? [...ASSIGNABLE_ROLES[actor.role]] : [],
    deactivate: active && passes(() => assertMayManageUser(actor, target, "users.deactivate")),
    restore: !active && passes(() => assertMayManageUser(actor, target, "users.restore")),
    resetPassword: active && passes(() => assertMayTriggerReset(actor, target)),
    /** Whether the actor may; whether there is anything to reset is the user's factor summary. */
    resetSecondFactor: active && passes(() => assertMayResetSecondFactor(actor, target)),
    /** The user page's sessions list and its "Sign out everywhere" (decision 0048). */
    signOut: active && passes(() => assertMaySignOutUser(actor, target)),
    /** The user page's "Recent sign-ins" (decision 0051): any user in scope, deactivated ones too. */
    viewSignIns: can(actor, "users.viewSignIns"),
  };
}

