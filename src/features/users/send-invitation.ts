import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { linkUrl } from "../../email/links.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { invitationEmail } from "../../email/templates/invitation.ts";
import { actorKey, type Actor } from "../access/actor.ts";
import { issueLinkToken } from "../auth/link-tokens.ts";
import { actingCompanyOf } from "../access/company-scope.ts";
import { hitRateLimits, hitsLeft, rateLimited, type RateRule } from "../rate-limit.ts";
import { normalizeEmail } from "../email-address.ts";

const HOUR = 3_600_000;

/**
 * Every invitation — a new user's or a resent one — counts on all three (decision 0020). An
 * invitation carries names the actor typed, from the operator's mail domain: no actor, company or
 * address may turn it into a spam relay. Wide enough for an honest bulk onboarding.
 */
export const INVITATION_LIMITS = {
  /** Per signed-in user sending them, whichever company they act in. */
  perActor: { limit: 100, windowMs: HOUR } satisfies RateRule,
  /** Per acting company, whoever sends them. */
  perCompany: { limit: 300, windowMs: HOUR } satisfies RateRule,
  /** Per recipient address (normalised), whichever user holds it now: "it went to spam, send it again", no flood. */
  perRecipient: { limit: 5, windowMs: HOUR } satisfies RateRule,
};

export interface Invitee {
  id: string;
  name: string;
  /** The stored address: the invitation goes nowhere else. */
  email: string;
  companyName: string;
}

const actorLimitKey = (actorUserId: string) => `invitation:actor:${actorUserId}`;
const companyLimitKey = (companyId: string) => `invitation:company:${companyId}`;

/**
 * How many more invitations the actor may send in the acting company before the per-actor or
 * per-company limit refuses one, counting nothing: an import's preview warns with it.
 */
export function invitationsLeft(db: Executor, actor: Actor, now: Date): Promise<number> {
  return hitsLeft(
    db,
    [
      { key: actorLimitKey(actorKey(actor)), rule: INVITATION_LIMITS.perActor },
      { key: companyLimitKey(actingCompanyOf(actor)), rule: INVITATION_LIMITS.perCompany },
    ],
    now,
  );
}

/**
 * Counts one invitation on all three limits, in the caller's transaction, and throws 429 with the
 * time to retry when any is over. Every invitation a user sends goes through here: this file's
 * sendInvitation, and a linked company's first administrator (create-company-with-admin.ts).
 */
export async function countInvitation(tx: Executor, invitation: { actorUserId: string; companyId: string; recipientEmail: string }, now: Date): Promise<void> {
  const hits = await hitRateLimits(
    tx,
    [
      { key: actorLimitKey(invitation.actorUserId), rule: INVITATION_LIMITS.perActor },
      { key: companyLimitKey(invitation.companyId), rule: INVITATION_LIMITS.perCompany },
      { key: `invitation:recipient:${normalizeEmail(invitation.recipientEmail)}`, rule: INVITATION_LIMITS.perRecipient },
    ],
    now,
  );
  const refused = hits.filter((hit) => !hit.allowed);
  if (refused.length > 0) throw rateLimited(refused, now);
}

/**
 * Issues an invitation link (superseding any older link of the user) and queues its email, in
 * the caller's transaction: the email exists only if the action behind it commits. Over a limit it
 * throws 429 with the time to retry; the caller's transaction then rolls back — the hit, and the
 * user a creation was adding, with it — so only invitations sent count and a refusal leaves nothing.
 */
export async function sendInvitation(tx: Executor, deps: Pick<Deps, "config" | "jobs">, actor: Actor, invitee: Invitee, now: Date) {
  await countInvitation(tx, { actorUserId: actorKey(actor), companyId: actingCompanyOf(actor), recipientEmail: invitee.email }, now);
  const link = await issueLinkToken(tx, {
    userId: invitee.id,
    purpose: "invite",
    ttlMs: deps.config.inviteLinkTtlMs,
    now,
    requestedByUserId: actor.userId,
    requestedByCompanyId: actor.companyId,
    requestedByClient: actor.client,
    grantId: actor.grantId,
  });
  const content = invitationEmail({
    recipientName: invitee.name,
    companyName: invitee.companyName,
    inviterName: actor.name,
    integration: actor.client ? { clientName: actor.client.name, companyName: actor.companyName } : null,
    link: linkUrl(deps.config.publicUrl, "/set-password", link.token),
    expiresAt: link.expiresAt,
  });
  await enqueueEmail(tx, deps.jobs, { kind: "invitation", to: invitee.email, userId: invitee.id, linkTokenId: link.id, ...content }, now);
  return { linkId: link.id, expiresAt: link.expiresAt };
}
