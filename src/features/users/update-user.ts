import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { users } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { assertMayManageUser } from "../access/authorize.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../auth/actor.ts";
import { revokeLiveLinks } from "../auth/link-tokens.ts";
import { normalizeEmail } from "./email-address.ts";
import { nameSortKey } from "./user-name.ts";
import { requireUserInScope } from "./users.queries.ts";

export interface UpdateUserInput {
  name?: string | undefined;
  email?: string | undefined;
}

/**
 * Changes another user's name or email. A new address kills every outstanding link, which was
 * sent to the old one; sessions survive, because the person and their password are unchanged
 * (decision 0005).
 */
export async function updateUser(deps: Pick<Deps, "db" | "clock">, actor: Actor, userId: string, input: UpdateUserInput) {
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const user = await requireUserInScope(tx, actor, userId, { lock: true });
      assertMayManageUser({ id: actor.userId, role: actor.role }, user, "users.updateDetails");
      const changes: Partial<typeof users.$inferInsert> = {};
      if (input.name !== undefined && input.name !== user.name) Object.assign(changes, { name: input.name, nameSort: nameSortKey(input.name) });
      const newAddress = input.email !== undefined && normalizeEmail(input.email) !== user.emailNormalized;
      if (input.email !== undefined && input.email !== user.email) Object.assign(changes, { email: input.email, emailNormalized: normalizeEmail(input.email) });
      if (Object.keys(changes).length === 0) return user;

      await tx.update(users).set({ ...changes, updatedAt: now }).where(eq(users.id, user.id));
      if (newAddress) await revokeLiveLinks(tx, user.id, "email_changed", now);
      await recordAuditEvent(tx, {
        action: "user.updated",
        actor,
        targetUserId: user.id,
        targetCompanyId: user.companyId,
        details: { changed: ["name", "email"].filter((field) => field in changes), ...(newAddress ? { linksRevoked: true } : {}) },
        at: now,
      });
      return requireUserInScope(tx, actor, user.id);
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_email_normalized_key")) throw new AppError("EMAIL_TAKEN");
    throw error;
  }
}
