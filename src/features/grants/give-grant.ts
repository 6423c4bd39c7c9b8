import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { managementGrants, users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { mayHoldGrant } from "../access/linked-company-access.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { resolveGrantChange } from "./team-member.ts";

/** Lets a team member manage one linked company. Idempotent. */
export async function giveGrant(deps: Pick<Deps, "db" | "clock">, actor: Actor, memberId: string, companyId: string) {
  const { member, company } = await resolveGrantChange(deps.db, actor, memberId, companyId);
  assertThat(member.id !== actor.userId, "CANNOT_ACT_ON_SELF");
  assertThat(mayHoldGrant(member.role) && member.status === "active", "GRANT_NOT_ALLOWED");
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    // Read again under a lock: lowering the member at this moment (which drops their grants) either
    // waits for this grant and drops it too, or lands first and this is refused.
    const [locked] = await tx.select({ role: users.role, status: users.status }).from(users).where(eq(users.id, member.id)).for("share");
    assertThat(locked && mayHoldGrant(locked.role) && locked.status === "active", "GRANT_NOT_ALLOWED");
    const inserted = await tx
      .insert(managementGrants)
      .values({ teamMemberId: member.id, companyId: company.id, grantedByUserId: actor.userId, createdAt: now })
      .onConflictDoNothing()
      .returning({ id: managementGrants.id });
    if (inserted.length === 0) return;
    await recordAuditEvent(tx, {
      action: "grant.given",
      actor,
      targetUserId: member.id,
      targetCompanyId: company.id,
      details: { grantId: inserted[0]?.id, memberName: member.name, companyName: company.name },
      at: now,
    });
  });
}
