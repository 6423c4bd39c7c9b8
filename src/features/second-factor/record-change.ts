import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { linkUrl } from "../../email/links.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { secondFactorChangedEmail, type SecondFactorChange } from "../../email/templates/second-factor-changed.ts";
import type { Actor } from "../access/actor.ts";
import type { AuditAction } from "../audit/audit-event.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";

const ACTION_OF: Record<SecondFactorChange["kind"], AuditAction> = {
  totp_enabled: "second_factor.totp_enabled",
  totp_disabled: "second_factor.totp_disabled",
  recovery_codes_regenerated: "second_factor.recovery_codes_regenerated",
  recovery_code_used: "second_factor.recovery_code_used",
};

export interface ChangedUser {
  id: string;
  name: string;
  email: string;
  companyId: string;
}

/**
 * Every change to a user's second factor is audited and told to the user by email, in the
 * caller's transaction: both are committed with the change or not at all.
 */
export async function recordSecondFactorChange(
  tx: Executor,
  deps: Pick<Deps, "config" | "jobs">,
  change: { user: ChangedUser; what: SecondFactorChange; actor: Actor | null; clientAddress: string; at: Date },
): Promise<void> {
  const { user, what, at } = change;
  await recordAuditEvent(tx, {
    action: ACTION_OF[what.kind],
    actor: change.actor,
    actorUserId: user.id,
    actorCompanyId: user.companyId,
    targetUserId: user.id,
    targetCompanyId: user.companyId,
    clientAddress: change.clientAddress,
    details: what.kind === "recovery_code_used" ? { left: what.left } : {},
    at,
  });
  const content = secondFactorChangedEmail({ recipientName: user.name, at, change: what, accountUrl: linkUrl(deps.config.publicUrl, "/account") });
  await enqueueEmail(tx, deps.jobs, { kind: "second_factor_changed", to: user.email, userId: user.id, ...content }, at);
}
