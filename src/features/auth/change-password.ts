import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { PersonActor } from "../access/actor.ts";
import { revokeLiveLinks } from "./link-tokens.ts";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "./passwords.ts";
import { sendPasswordChangedEmails } from "./send-password-changed-emails.ts";
import { createSession, revokeSessionsOfUser } from "./sessions.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";


export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
  newPasswordConfirmation: string;
  userAgent: string | undefined;
}

/** Ends every session of the user, the caller's included, and hands the caller a fresh one (rotation). */
export async function changePassword(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: PersonActor, input: ChangePasswordInput) {
  const now = deps.clock.now();
  const [user] = await deps.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, actor.userId));
  const currentOk = user?.passwordHash ? await verifyPassword(user.passwordHash, input.currentPassword) : false;
  assertThat(currentOk, "CURRENT_PASSWORD_INCORRECT");
  assertThat(input.newPassword === input.newPasswordConfirmation, "PASSWORD_MISMATCH");
  checkPasswordPolicy(input.newPassword, { minLength: deps.config.passwordMinLength, email: actor.email, companyName: actor.companyName });
  const passwordHash = await hashPassword(input.newPassword);

  return deps.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, passwordChangedAt: now, updatedAt: now }).where(eq(users.id, actor.userId));
    await revokeSessionsOfUser(tx, actor.userId, now);
    await revokeOidcGrants(tx, deps.jobs, { userId: actor.userId }, "password_changed", now);
    await revokeLiveLinks(tx, actor.userId, "password_changed", now);
    const session = await createSession(tx, {
      userId: actor.userId,
      companyId: actor.companyId,
      now,
      ttlMs: deps.config.sessionTtlMs,
      clientAddress: actor.clientAddress,
      userAgent: input.userAgent,
    });
    await sendPasswordChangedEmails(tx, deps, { id: actor.userId, name: actor.name, email: actor.email }, { how: "change", at: now });
    await recordAuditEvent(tx, { action: "password.changed", actor, targetUserId: actor.userId, targetCompanyId: actor.companyId, at: now });
    return { sessionToken: session.token };
  });
}
