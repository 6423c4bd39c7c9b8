import { and, eq } from "drizzle-orm";
import type { Deps } from "../../../deps.ts";
import { linkTokens } from "../../../db/schema.ts";
import { assertThat } from "../../../errors.ts";
import { assertMayTriggerReset } from "../../access/authorize.ts";
import { recordActionOnUser } from "../../audit/record-audit-event.ts";
import type { Actor } from "../../access/actor.ts";
import { revokeLinkToken } from "../link-tokens.ts";
import { findUserInScope } from "../../access/users-in-scope.ts";

/** Cancels one pending link of a user (a reset sent by mistake, an invitation to the wrong address). */
export async function revokePasswordReset(deps: Pick<Deps, "db" | "clock">, actor: Actor, userId: string, linkId: string) {
  const user = await findUserInScope(deps.db, actor, userId);
  assertThat(user, "NOT_FOUND");
  assertMayTriggerReset(actor, { id: user.id, role: user.role });
  const now = deps.clock.now();
  const [link] = await deps.db
    .select({ id: linkTokens.id, purpose: linkTokens.purpose })
    .from(linkTokens)
    .where(and(eq(linkTokens.id, linkId), eq(linkTokens.userId, user.id)))
    .limit(1);
  assertThat(link, "NOT_FOUND");
  await deps.db.transaction(async (tx) => {
    // Only a live link is revoked; the condition sits in the UPDATE, so a link used meanwhile stays used.
    const revoked = await revokeLinkToken(tx, link.id, "admin", now);
    assertThat(revoked, "LINK_NOT_PENDING");
    await recordActionOnUser(tx, actor, "password_reset.revoked", user, { linkId: link.id, purpose: link.purpose }, now);
  });
}
