import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { linkUrl } from "../../email/links.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { invitationEmail } from "../../email/templates/invitation.ts";
import type { Actor } from "../auth/actor.ts";
import { issueLinkToken } from "../auth/link-tokens.ts";

export interface Invitee {
  id: string;
  name: string;
  /** The stored address: the invitation goes nowhere else. */
  email: string;
  companyName: string;
}

/**
 * Issues an invitation link (superseding any older link of the user) and queues its email, in
 * the caller's transaction: the email exists only if the action behind it commits.
 */
export async function sendInvitation(tx: Executor, deps: Pick<Deps, "config" | "jobs">, actor: Actor, invitee: Invitee, now: Date) {
  const link = await issueLinkToken(tx, {
    userId: invitee.id,
    purpose: "invite",
    ttlMs: deps.config.inviteLinkTtlMs,
    now,
    requestedByUserId: actor.userId,
    requestedByCompanyId: actor.companyId,
    grantId: actor.grantId,
  });
  const content = invitationEmail({
    recipientName: invitee.name,
    companyName: invitee.companyName,
    inviterName: actor.name,
    link: linkUrl(deps.config.publicUrl, "/set-password", link.token),
    expiresAt: link.expiresAt,
  });
  await enqueueEmail(tx, deps.jobs, { kind: "invitation", to: invitee.email, userId: invitee.id, linkTokenId: link.id, ...content }, now);
  return { linkId: link.id, expiresAt: link.expiresAt };
}
