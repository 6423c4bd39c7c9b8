import { assertThat } from "../../errors.ts";
import { ASSIGNABLE_ROLES, MANAGEABLE_TARGET_ROLES, PERMISSIONS, RESETTABLE_TARGET_ROLES, type Permission } from "./permissions.ts";
import type { Role } from "./roles.ts";

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function assertCan(role: Role, permission: Permission): void {
  assertThat(can(role, permission), "FORBIDDEN");
}

export function assertMayAssignRole(actorRole: Role, role: Role): void {
  assertThat(ASSIGNABLE_ROLES[actorRole].includes(role), "ROLE_NOT_ALLOWED");
}

export interface Party {
  id: string;
  role: Role;
}

/** Editing details, deactivating, restoring: another user whose role the actor outranks. */
export function assertMayManageUser(actor: Party, target: Party, permission: Permission): void {
  assertCan(actor.role, permission);
  assertThat(actor.id !== target.id, "CANNOT_ACT_ON_SELF");
  assertThat(MANAGEABLE_TARGET_ROLES[actor.role].includes(target.role), "FORBIDDEN");
}

/** Whether the actor may change this target's role at all, whatever the new role. */
export function assertMayChangeRoleOf(actor: Party, target: Party): void {
  assertCan(actor.role, "users.changeRole");
  assertThat(actor.id !== target.id, "CANNOT_CHANGE_OWN_ROLE");
  assertThat(MANAGEABLE_TARGET_ROLES[actor.role].includes(target.role), "FORBIDDEN");
}

export function assertMayChangeRole(actor: Party, target: Party, newRole: Role): void {
  assertMayChangeRoleOf(actor, target);
  assertMayAssignRole(actor.role, newRole);
}

export function assertMayTriggerReset(actor: Party, target: Party): void {
  assertCan(actor.role, "users.triggerReset");
  assertThat(actor.id !== target.id, "CANNOT_ACT_ON_SELF");
  assertThat(RESETTABLE_TARGET_ROLES[actor.role].includes(target.role), "FORBIDDEN");
}
