import { eq, sql } from "drizzle-orm";
import type { Executor } from "../../../db/client.ts";
import { passkeys, recoveryCodes, secondFactorEnrolmentsDue, signInChallenges, totpFactors } from "../../../db/schema.ts";
import type { Deps } from "../../../deps.ts";
import { linkUrl } from "../../../email/links.ts";
import { enqueueEmail } from "../../../email/outbox.ts";
import { secondFactorResetEmail, type SecondFactorResetBy } from "../../../email/templates/second-factor-reset.ts";
import { recordAuditEvent, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { revokeOidcGrants } from "../../oidc-grants/revoke-oidc-grants.ts";
import { revokeSessionsOfUser } from "../sessions.ts";

export interface SecondFactorResetInput {
  user: { id: string; name: string; email: string; companyId: string };
  resetBy: SecondFactorResetBy;
  /** Who acted, for the audit row (an Actor, or nothing for the operator). */
  audit: Pick<AuditEventInput, "actor">;
  now: Date;
}

/**
 * The one way a user's second factors are reset (decision 0039), in the caller's transaction: the
 * authenticator app, passkeys, recovery codes and half-finished sign-ins go; an enrolment is owed at
 * the next sign-in; every session and application grant ends; the user is emailed who did it; one
 * audit row (and its webhook events). The password is neither read nor changed.
 */
export async function removeSecondFactors(tx: Executor, deps: Pick<Deps, "config" | "jobs">, input: SecondFactorResetInput) {
  const { user, now } = input;
  const [totp] = await tx.delete(totpFactors).where(eq(totpFactors.userId, user.id)).returning({ confirmedAt: totpFactors.confirmedAt });
  const removedPasskeys = await tx.delete(passkeys).where(eq(passkeys.userId, user.id)).returning({ id: passkeys.id });
  const removedCodes = await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id)).returning({ usedAt: recoveryCodes.usedAt });
  // A second step begun before the reset must not complete with a factor that no longer exists.
  await tx.delete(signInChallenges).where(eq(signInChallenges.userId, user.id));
  await tx
    .insert(secondFactorEnrolmentsDue)
    .values({ userId: user.id, reason: "reset", since: now })
    .onConflictDoUpdate({ target: secondFactorEnrolmentsDue.userId, set: { reason: "reset", since: sql`excluded.since` } });
  await revokeSessionsOfUser(tx, user.id, now);
  await revokeOidcGrants(tx, deps.jobs, { userId: user.id }, "second_factor_reset", now);
  const removed = {
    authenticatorApp: Boolean(totp?.confirmedAt),
    passkeys: removedPasskeys.length,
    recoveryCodes: removedCodes.filter((code) => code.usedAt === null).length,
  };
  const content = secondFactorResetEmail({ recipientName: user.name, resetBy: input.resetBy, resetAt: now, loginUrl: linkUrl(deps.config.publicUrl, "/login") });
  const emailId = await enqueueEmail(tx, deps.jobs, { kind: "second_factor_reset", to: user.email, userId: user.id, ...content }, now);
  await recordAuditEvent(tx, {
    action: "second_factor.reset",
    ...input.audit,
    targetUserId: user.id,
    targetCompanyId: user.companyId,
    details: { removed, emailId, via: input.resetBy.kind },
    at: now,
  });
  return { removed, resetAt: now };
}
