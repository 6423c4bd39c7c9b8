import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { users } from "../../db/schema.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { emailChangedEmail } from "../../email/templates/email-changed.ts";
import { AppError } from "../../errors.ts";
import { assertMayManageUser } from "../access/authorize.ts";
import { recordActionOnUser } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { revokeLiveLinks } from "../auth/link-tokens.ts";
import { maskEmailAddress, normalizeEmail } from "../email-address.ts";
import { recordEmailChange } from "../auth/email-changes.ts";
import { nameSortKey } from "./user-name.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

export interface UpdateUserInput {
  name?: string | undefined;
  email?: string | undefined;
}

/**
 * Changes another user's name or email. A new address kills every outstanding link, which was
 * sent to the old one; sessions survive, because the person and their password are unchanged
 * (decision 0005). It takes effect at once, but never silently: the old address is told, and hears
 * of any password change for 24 hours (decision 0021).
 */
export async function updateUser(deps: Pick<Deps, "db" | "clock" | "jobs">, actor: Actor, userId: string, input: UpdateUserInput) {
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const user = await requireUserInScope(tx, actor, userId, { lock: true });
      assertMayManageUser(actor, user, "users.updateDetails");
      const changes: Partial<typeof users.$inferInsert> = {};
      if (input.name !== undefined && input.name !== user.name) Object.assign(changes, { name: input.name, nameSort: nameSortKey(input.name) });
      const newAddress = input.email !== undefined && normalizeEmail(input.email) !== user.emailNormalized;
      if (input.email !== undefined && input.email !== user.email) Object.assign(changes, { email: input.email, emailNormalized: normalizeEmail(input.email) });
      // A new address is unverified until the user completes a link emailed to it (the email_verified claim).
      if (newAddress) Object.assign(changes, { emailVerifiedAt: null });
      if (Object.keys(changes).length === 0) return user;

      await tx.update(users).set({ ...changes, updatedAt: now }).where(eq(users.id, user.id));
      if (newAddress && input.email !== undefined) {
        await revokeLiveLinks(tx, user.id, "email_changed", now);
        await recordEmailChange(tx, { userId: user.id, previousEmail: user.email, newEmail: input.email, changedByUserId: actor.userId, at: now });
        const notice = emailChangedEmail({
          recipientName: user.name,
          companyName: user.companyName,
          // A team member of the parent company is named with their company: the user may not know them.
          changedBy: actor.client
            ? { name: `${actor.companyName}'s integration ${actor.client.name}`, fromCompany: null }
            : { name: actor.name, fromCompany: actor.companyId === user.companyId ? null : actor.companyName },
          changedAt: now,
          newAddressMasked: maskEmailAddress(input.email),
        });
        await enqueueEmail(tx, deps.jobs, { kind: "email_changed", to: user.email, userId: user.id, ...notice }, now);
      }
      const emailChange = "email" in changes ? { previousEmail: user.email, newEmail: input.email } : {};
      await recordActionOnUser(tx, actor, "user.updated", user, { changed: ["name", "email"].filter((field) => field in changes), ...emailChange, ...(newAddress ? { linksRevoked: true } : {}) }, now);
      return requireUserInScope(tx, actor, user.id);
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_email_normalized_key")) throw new AppError("EMAIL_TAKEN");
    throw error;
  }
}
