import type { Deps } from "../../deps.ts";
import { AppError, type ErrorCode } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { assertCan } from "../access/authorize.ts";
import type { Permission } from "../access/permissions.ts";
import { triggerPasswordReset } from "../auth/password-reset/trigger-password-reset.ts";
import { deactivateUser } from "./deactivate-user.ts";
import { resendInvitation } from "./resend-invitation.ts";
import { restoreUser } from "./restore-user.ts";

export const BULK_ACTIONS = ["deactivate", "restore", "resendInvitation", "resetPassword"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
/** As many users as one page of the list can show. */
export const BULK_MAX_USERS = 100;

export type BulkResult = { id: string; ok: true } | { id: string; ok: false; error: { code: ErrorCode; message: string } };

type BulkDeps = Pick<Deps, "db" | "clock" | "config" | "jobs">;

/** Each action is the single-user use case itself: its rules, its limits, its audit row and email. */
const ACTIONS: Record<BulkAction, (deps: BulkDeps, actor: Actor, userId: string) => Promise<unknown>> = {
  deactivate: deactivateUser,
  restore: restoreUser,
  resendInvitation,
  resetPassword: triggerPasswordReset,
};

/** The permission each single-user route needs: a role or scope without it is refused the whole batch (403). */
const PERMISSION: Record<BulkAction, Permission> = {
  deactivate: "users.deactivate",
  restore: "users.restore",
  resendInvitation: "users.triggerReset",
  resetPassword: "users.triggerReset",
};

/**
 * One action on many users, one after the other, each in its own transaction: a refusal for one
 * user (out of scope, a role the actor may not touch, a rate limit) is that user's result and the
 * others go on. Who may act on whom is decided by the use case, in access/, never here.
 */
export async function bulkUserAction(deps: BulkDeps, actor: Actor, action: BulkAction, userIds: string[]): Promise<BulkResult[]> {
  assertCan(actor, PERMISSION[action]);
  const act = ACTIONS[action];
  const results: BulkResult[] = [];
  for (const id of userIds) {
    try {
      await act(deps, actor, id);
      results.push({ id, ok: true });
    } catch (error) {
      // Anything but a refusal is a fault: it stops the batch and answers 500, as a single action would.
      if (!(error instanceof AppError)) throw error;
      results.push({ id, ok: false, error: { code: error.code, message: error.message } });
    }
  }
  return results;
}
