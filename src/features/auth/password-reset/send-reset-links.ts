import type { Executor } from "../../../db/client.ts";
import { auditEvents } from "../../../db/schema.ts";
import type { Deps } from "../../../deps.ts";
import { linkUrl } from "../../../email/links.ts";
import { enqueueEmails } from "../../../email/outbox.ts";
import { passwordResetEmail } from "../../../email/templates/password-reset.ts";
import { auditRowOf, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { recordBatchWebhookEvents } from "../../audit/record-webhook-events.ts";
import { issueLinkTokens } from "../link-tokens.ts";
import type { ResetRecipient } from "./send-reset-link.ts";

export interface ForgotPasswordSend {
  recipient: ResetRecipient;
  clientAddress: string;
}

/**
 * sendResetLink for a batch of "forgot password" requests (decision 0034): the links (each
 * superseding the user's older ones), their emails and audit rows, in the worker's transaction,
 * in six statements whatever the batch's size. Same rows as sendResetLink writes for each.
 */
export async function sendForgotPasswordLinks(tx: Executor, deps: Pick<Deps, "config" | "jobs">, sends: ForgotPasswordSend[], now: Date): Promise<void> {
  if (sends.length === 0) return;
  const ttlMs = deps.config.resetLinkTtlMs;
  const links = await issueLinkTokens(
    tx,
    sends.map(({ recipient }) => ({ userId: recipient.id, purpose: "reset" as const, ttlMs, now, requestedByUserId: null, requestedByCompanyId: null, grantId: null })),
  );
  const emailIds = await enqueueEmails(
    tx,
    deps.jobs,
    sends.map(({ recipient }, i) => {
      const link = links[i];
      if (!link) throw new Error("a link is missing");
      const content = passwordResetEmail({
        recipientName: recipient.name,
        askedBy: { kind: "forgot_password" },
        link: linkUrl(deps.config.publicUrl, "/reset-password", link.token),
        expiresAt: link.expiresAt,
      });
      return { kind: "password_reset", to: recipient.email, userId: recipient.id, linkTokenId: link.id, ...content };
    }),
    now,
  );
  const events: AuditEventInput[] = sends.map(({ recipient, clientAddress }, i) => ({
    action: "password_reset.requested",
    clientAddress,
    targetUserId: recipient.id,
    targetCompanyId: recipient.companyId,
    details: { linkId: links[i]?.id, emailId: emailIds[i], via: "forgot_password", expiresAt: links[i]?.expiresAt.toISOString() },
    at: now,
  }));
  await tx.insert(auditEvents).values(events.map(auditRowOf));
  // The webhook events recordAuditEvent would have written (decision 0032): one statement asks
  // whether any endpoint wants them, then one for each event when one does.
  await recordBatchWebhookEvents(tx, events);
}
