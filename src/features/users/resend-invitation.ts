import type { Deps } from "../../deps.ts";
import { assertThat } from "../../errors.ts";
import { assertMayTriggerReset } from "../access/authorize.ts";
import { recordActionOnUser } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { sendInvitation } from "./send-invitation.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";

/**
 * A fresh invitation for a user who has never chosen a password; the new link supersedes the old.
 * Who may send it follows the reset rule (decision 0004): the link goes only to the user's own address.
 * A user who once had a password (a restored user) gets a password reset instead.
 */
export async function resendInvitation(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, userId: string) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const user = await requireUserInScope(tx, actor, userId, { lock: true });
    assertMayTriggerReset(actor, user);
    assertThat(user.status === "active", "USER_DEACTIVATED");
    assertThat(!user.hasPassword && user.passwordChangedAt === null, "INVITATION_NOT_NEEDED");
    // sendInvitation counts it on the invitation limits (per actor, company and recipient address).
    const sent = await sendInvitation(tx, deps, actor, user, now);
    await recordActionOnUser(tx, actor, "user.invitation_sent", user, { linkId: sent.linkId }, now);
    return sent;
  });
}
