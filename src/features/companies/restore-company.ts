import { and, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { companies } from "../../db/schema.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";

export type RestoreCompanyResult = { ok: true; company: { id: string; name: string } } | { ok: false; reason: "not_found" | "not_deleted" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The operator's undo of a company deletion (CLI). Users come back as they were: those active
 * before can sign in with their passwords again, since the deletion said nothing about their
 * credentials; those deactivated stay deactivated. Sessions and links revoked at deletion stay
 * dead (decision 0005).
 */
export async function restoreCompany(db: Db, companyId: string, now: Date): Promise<RestoreCompanyResult> {
  if (!UUID.test(companyId)) return { ok: false, reason: "not_found" };
  return db.transaction(async (tx) => {
    const [restored] = await tx
      .update(companies)
      .set({ deletedAt: null, updatedAt: now })
      .where(and(eq(companies.id, companyId), isNotNull(companies.deletedAt)))
      .returning({ id: companies.id, name: companies.name });
    if (!restored) {
      const [exists] = await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, companyId));
      return { ok: false, reason: exists ? "not_deleted" : "not_found" };
    }
    await recordAuditEvent(tx, { action: "company.restored", targetCompanyId: restored.id, details: { by: "operator" }, at: now });
    return { ok: true, company: restored };
  });
}
