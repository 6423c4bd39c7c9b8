import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { users } from "../../db/schema.ts";
import { AppError, assertThat } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { checkLink } from "./check-link.ts";
import { consumeLinkToken, inspectLinkToken, revokeLiveLinks } from "./link-tokens.ts";
import { enforceClientLimit } from "../rate-limit.ts";
import { RESET_LIMITS, resetRateKeys } from "./password-reset/reset-limits.ts";
import { checkPasswordPolicy, hashPassword } from "./passwords.ts";
import { sendPasswordChangedEmails } from "./send-password-changed-emails.ts";
import { revokeSessionsOfUser } from "./sessions.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";


export interface SetPasswordWithLinkInput {
  token: string;
  password: string;
  passwordConfirmation: string;
  clientAddress: string;
}

const REJECTION_CODES = {
  invalid: "LINK_INVALID",
  expired: "LINK_EXPIRED",
  used: "LINK_USED",
  superseded: "LINK_SUPERSEDED",
  revoked: "LINK_REVOKED",
} as const;

/**
 * Completes an invitation or a password reset. The user is the one bound to the token; the new
 * password is checked before anything is consumed, so a weak or mismatched one leaves the link usable.
 * It never signs the user in.
 */
export async function setPasswordWithLink(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, input: SetPasswordWithLinkInput) {
  const now = deps.clock.now();
  // Every submission counts, valid or not: each valid one costs an argon2 hash.
  const { clientAddress } = input;
  await enforceClientLimit(deps.db, { key: resetRateKeys.submitClient(clientAddress), rule: RESET_LIMITS.submitPerClient, clientAddress, flow: "link_submit" }, now);
  const link = await checkLink(deps.db, { token: input.token, clientAddress: input.clientAddress, step: "submit", now });
  if (!link.ok) {
    throw new AppError(REJECTION_CODES[link.reason]);
  }
  assertThat(input.password === input.passwordConfirmation, "PASSWORD_MISMATCH");
  checkPasswordPolicy(input.password, { minLength: deps.config.passwordMinLength, email: link.email, companyName: link.companyName });
  const passwordHash = await hashPassword(input.password);

  const outcome = await deps.db.transaction(async (tx) => {
    // Consume first, so two concurrent submissions cannot both succeed.
    const consumed = await consumeLinkToken(tx, input.token, now);
    if (!consumed) return null;
    const [user] = await tx
      .update(users)
      .set({ passwordHash, passwordChangedAt: now, emailVerifiedAt: now, updatedAt: now })
      .where(eq(users.id, consumed.userId))
      .returning({ id: users.id, name: users.name, email: users.email, companyId: users.companyId });
    if (!user) return null;
    await revokeSessionsOfUser(tx, user.id, now);
    await revokeOidcGrants(tx, deps.jobs, { userId: user.id }, "password_changed", now);
    await revokeLiveLinks(tx, user.id, "password_changed", now);
    await sendPasswordChangedEmails(tx, deps, user, { how: consumed.purpose === "invite" ? "invitation" : "reset", at: now });
    await recordAuditEvent(tx, {
      action: consumed.purpose === "invite" ? "user.invitation_accepted" : "password_reset.completed",
      actorUserId: user.id,
      actorCompanyId: user.companyId,
      targetUserId: user.id,
      targetCompanyId: user.companyId,
      clientAddress: input.clientAddress,
      details: { linkId: consumed.id },
      at: now,
    });
    return { userId: user.id, purpose: consumed.purpose };
  });
  // Lost the race to a concurrent submission (or the link died meanwhile): say what it is now.
  if (!outcome) {
    const after = await inspectLinkToken(deps.db, input.token, now);
    throw new AppError(after.ok ? "LINK_INVALID" : REJECTION_CODES[after.reason]);
  }
  return outcome;
}
