import type { Executor } from "../../db/client.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { inspectLinkToken, type InspectedLink } from "./link-tokens.ts";

/**
 * Reads an emailed link (consuming nothing) and records a rejected one in the audit log, whether
 * it was opened or submitted: an expired, used or guessed link is a security-relevant event.
 */
export async function checkLink(db: Executor, input: { token: string; clientAddress: string; step: "open" | "submit"; now: Date }): Promise<InspectedLink> {
  const link = await inspectLinkToken(db, input.token, input.now);
  if (!link.ok) {
    await recordAuditEvent(db, {
      action: "link.rejected",
      outcome: "refused",
      targetUserId: link.userId ?? null,
      targetCompanyId: link.companyId ?? null,
      clientAddress: input.clientAddress,
      details: { reason: link.reason, purpose: link.purpose ?? null, step: input.step },
      at: input.now,
    });
  }
  return link;
}
