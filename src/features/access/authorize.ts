import { assertThat } from "../../errors.ts";
import type { Actor } from "./actor.ts";
import { scopesAllow } from "./api-scopes.ts";
import { ASSIGNABLE_ROLES, MANAGEABLE_TARGET_ROLES, PERMISSIONS, RESETTABLE_TARGET_ROLES, type Permission } from "./permissions.ts";
import type { Role } from "./roles.ts";

/**
 * Who asks, as the checks see them: a person (their user id and role) or a machine client (no user
 * id, an administrator's role, its scopes). A client's `userId` is null, so no comparison with a
 * target user's id can mistake one for the other (CANNOT_ACT_ON_SELF is never a client's answer).
 */
export type Asker = Pick<Actor, "userId" | "role" | "client">;

/** The role allows it and, for a machine client, one of its scopes too (decision 0028). */
export function can(asker: Asker, permission: Permission): boolean {
  if (!(PERMISSIONS[permission] as readonly Role[]).includes(asker.role)) return false;
  return asker.client === null || scopesAllow(asker.client.scopes, permission);
}

export function assertCan(asker: Asker, permission: Permission): void {
  assertThat(can(asker, permission), "FORBIDDEN");
}

/** Whether the actor may give this role to a user they create or change (an import checks each row with it). */
export function mayAssignRole(asker: Asker, role: Role): boolean {
  return ASSIGNABLE_ROLES[asker.role].includes(role);
}

export function assertMayAssignRole(asker: Asker, role: Role): void {
  assertThat(mayAssignRole(asker, role), "ROLE_NOT_ALLOWED");
}

export interface Party {
  id: string;
  role: Role;
}

const isSelf = (asker: Asker, target: Party) => asker.userId !== null && asker.userId === target.id;

/** Editing details, deactivating, restoring: another user whose role the actor outranks. */
export function assertMayManageUser(asker: Asker, target: Party, permission: Permission): void {
  assertCan(asker, permission);
  assertThat(!isSelf(asker, target), "CANNOT_ACT_ON_SELF");
  assertThat(MANAGEABLE_TARGET_ROLES[asker.role].includes(target.role), "FORBIDDEN");
}

/** Whether the actor may change this target's role at all, whatever the new role. */
export function assertMayChangeRoleOf(asker: Asker, target: Party): void {
  assertCan(asker, "users.changeRole");
  assertThat(!isSelf(asker, target), "CANNOT_CHANGE_OWN_ROLE");
  assertThat(MANAGEABLE_TARGET_ROLES[asker.role].includes(target.role), "FORBIDDEN");
}

export function assertMayChangeRole(asker: Asker, target: Party, newRole: Role): void {
  assertMayChangeRoleOf(asker, target);
  assertMayAssignRole(asker, newRole);
}

export function assertMayTriggerReset(asker: Asker, target: Party): void {
  assertCan(asker, "users.triggerReset");
  assertThat(!isSelf(asker, target), "CANNOT_ACT_ON_SELF");
  assertThat(RESETTABLE_TARGET_ROLES[asker.role].includes(target.role), "FORBIDDEN");
}

/**
 * Resetting another user's second factor (decision 0039): the same people, on the same targets, as
 * a password reset — an administrator's own factor is reset by another administrator or a manager,
 * like their password, since the user enrols again themselves and is emailed who did it.
 */
export function assertMayResetSecondFactor(asker: Asker, target: Party): void {
  assertCan(asker, "users.resetSecondFactor");
  assertThat(!isSelf(asker, target), "CANNOT_ACT_ON_SELF");
  assertThat(RESETTABLE_TARGET_ROLES[asker.role].includes(target.role), "FORBIDDEN");
}

/**
 * Seeing another user's sessions and signing them out everywhere (decision 0048): like deactivating,
 * an act on the account itself, so on the users whose role the actor outranks — a manager does not
 * sign an administrator out. One's own sessions are account settings' (CANNOT_ACT_ON_SELF).
 */
export function assertMaySignOutUser(asker: Asker, target: Party): void {
  assertMayManageUser(asker, target, "users.signOut");
}
