import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { companies } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertCan, can } from "../access/authorize.ts";
import { companyPermissions } from "../access/permission-summary.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { requireCompanyInScope } from "./company.queries.ts";

export interface UpdateCompanyInput {
  name?: string | undefined;
  /** null clears the field. */
  contactEmail?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
}

const CONTACT_FIELDS = ["contactEmail", "phone", "address"] as const;

/**
 * Renaming is the administrator's; contact details are the administrator's and the manager's.
 * Only fields that actually change are checked, so a form that sends back the unchanged name
 * works for a manager. A refusal changes nothing, not even the fields the actor could change.
 */
export async function updateCompany(deps: Pick<Deps, "db" | "clock">, actor: Actor, input: UpdateCompanyInput) {
  const now = deps.clock.now();
  const company = await deps.db.transaction(async (tx) => {
    const current = await requireCompanyInScope(tx, actor, { lock: true });
    // Someone who may change nothing is refused even when they send the current values back.
    assertThat(can(actor, "company.rename") || can(actor, "company.updateContact"), "FORBIDDEN");
    const changes: Partial<typeof companies.$inferInsert> = {};
    if (input.name !== undefined && input.name !== current.name) {
      assertCan(actor, "company.rename");
      changes.name = input.name;
    }
    for (const field of CONTACT_FIELDS) {
      const value = input[field];
      if (value !== undefined && value !== current[field]) {
        assertCan(actor, "company.updateContact");
        changes[field] = value;
      }
    }
    const changed = Object.keys(changes);
    if (changed.length === 0) return current;
    await tx.update(companies).set({ ...changes, updatedAt: now }).where(eq(companies.id, current.id));
    await recordAuditEvent(tx, { action: "company.updated", actor, targetCompanyId: current.id, details: { changed }, at: now });
    return { ...current, ...changes };
  });
  return { company, permissions: companyPermissions(actor) };
}
