import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { sessions } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { findManageableCompany } from "../access/linked-company-access.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { PersonActor } from "../access/actor.ts";

/** Works in a linked company from now on: the acting company lives in the session, checked on every request. */
export async function switchIntoCompany(deps: Pick<Deps, "db" | "clock">, actor: PersonActor, companyId: string) {
  const company = await findManageableCompany(deps.db, { userId: actor.userId, companyId: actor.companyId, role: actor.role }, companyId);
  assertThat(company, "NOT_FOUND");
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.update(sessions).set({ actingCompanyId: company.id, lastSeenAt: now }).where(eq(sessions.id, actor.sessionId));
    await recordAuditEvent(tx, {
      action: "company.switched_in",
      actor: { ...actor, actingCompanyId: company.id, grantId: company.grantId },
      targetCompanyId: company.id,
      details: { companyName: company.name, fromCompanyName: actor.companyName },
      at: now,
    });
  });
  return company;
}

export async function switchBackToOwnCompany(deps: Pick<Deps, "db" | "clock">, actor: PersonActor) {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.update(sessions).set({ actingCompanyId: actor.companyId, lastSeenAt: now }).where(eq(sessions.id, actor.sessionId));
    if (actor.actingCompanyId !== actor.companyId) {
      await recordAuditEvent(tx, {
        action: "company.switched_out",
        actor,
        targetCompanyId: actor.actingCompanyId,
        details: { companyName: actor.actingCompanyName },
        at: now,
      });
    }
  });
}
