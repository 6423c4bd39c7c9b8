import type { Executor } from "../../../db/client.ts";
import type { Deps } from "../../../deps.ts";
import { linkUrl } from "../../../email/links.ts";
import { enqueueEmail } from "../../../email/outbox.ts";
import { passwordResetEmail, type ResetAskedBy } from "../../../email/templates/password-reset.ts";
import { recordAuditEvent, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { issueLinkToken } from "../link-tokens.ts";

export interface ResetRecipient {
  id: string;
  name: string;
  /** The address stored on the account: the only place a reset email ever goes. */
  email: string;
  companyId: string;
  /** False for an account with no password yet: the email words the link as choosing the first one. */
  hasPassword?: boolean;
}

export interface SendResetLinkInput {
  recipient: ResetRecipient;
  askedBy: ResetAskedBy;
  requestedByUserId: string | null;
  requestedByCompanyId: string | null;
  requestedByClient?: { id: string; name: string } | null;
  grantId: string | null;
  /** Who acted, for the audit row (an Actor, or the bare ids of a session-less request). */
  audit: Pick<AuditEventInput, "actor" | "actorUserId" | "actorCompanyId" | "clientAddress">;
  now: Date;
}

/**
 * The one way a reset link comes to exist: the link (superseding every older one of the user),
 * its email and the audit row, all in the caller's transaction, so none exists without the others.
 */
export async function sendResetLink(tx: Executor, deps: Pick<Deps, "config" | "jobs">, input: SendResetLinkInput) {
  const { recipient, now } = input;
  const link = await issueLinkToken(tx, {
    userId: recipient.id,
    purpose: "reset",
    ttlMs: deps.config.resetLinkTtlMs,
    now,
    requestedByUserId: input.requestedByUserId,
    requestedByCompanyId: input.requestedByCompanyId,
    requestedByClient: input.requestedByClient ?? null,
    grantId: input.grantId,
  });
  const content = passwordResetEmail({
    recipientName: recipient.name,
    askedBy: input.askedBy,
    firstPassword: recipient.hasPassword === false,
    link: linkUrl(deps.config.publicUrl, "/reset-password", link.token),
    expiresAt: link.expiresAt,
  });
  const emailId = await enqueueEmail(
    tx,
    deps.jobs,
    { kind: "password_reset", to: recipient.email, userId: recipient.id, linkTokenId: link.id, ...content },
    now,
  );
  await recordAuditEvent(tx, {
    action: "password_reset.requested",
    ...input.audit,
    targetUserId: recipient.id,
    targetCompanyId: recipient.companyId,
    // The acting person's role too, so the log says "by a manager" when a manager sent it.
    details: { linkId: link.id, emailId, via: input.askedBy.kind, ...("role" in input.askedBy ? { actorRole: input.askedBy.role } : {}), expiresAt: link.expiresAt.toISOString() },
    at: now,
  });
  // The raw token stays here: callers get the link's id and expiry, never the link.
  return { id: link.id, expiresAt: link.expiresAt };
}
