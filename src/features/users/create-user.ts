import type { Deps } from "../../deps.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { users } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { assertCan, assertMayAssignRole } from "../access/authorize.ts";
import type { Role } from "../access/roles.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { actingCompanyOf } from "../access/company-scope.ts";
import { normalizeEmail } from "../email-address.ts";
import { sendInvitation } from "./send-invitation.ts";
import { nameSortKey } from "./user-name.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

export interface CreateUserInput {
  name: string;
  email: string;
  role: Role;
}

/** Creates a user without a password in the acting company and invites them, in one transaction. */
export async function createUser(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, input: CreateUserInput) {
  assertCan(actor, "users.create");
  assertMayAssignRole(actor, input.role);
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(users)
        .values({
          companyId: actingCompanyOf(actor),
          email: input.email,
          emailNormalized: normalizeEmail(input.email),
          name: input.name,
          nameSort: nameSortKey(input.name),
          role: input.role,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: users.id });
      if (!created) throw new Error("user insert returned nothing");
      const user = await requireUserInScope(tx, actor, created.id);
      await sendInvitation(tx, deps, actor, user, now);
      await recordAuditEvent(tx, { action: "user.created", actor, targetUserId: user.id, targetCompanyId: user.companyId, details: { role: input.role }, at: now });
      return user;
    });
  } catch (error) {
    // The unique index decides, so two concurrent creations of one address cannot both pass.
    if (isUniqueViolation(error, "users_email_normalized_key")) throw new AppError("EMAIL_TAKEN");
    throw error;
  }
}
