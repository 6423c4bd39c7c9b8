import { eq } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { companies, managementGrants } from "../../db/schema.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { revokeLinksOfLostAuthority } from "../grants/revoke-links-of-lost-authority.ts";
import type { JobQueue } from "../../jobs/job-queue.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { countLinkedCompanies, findLiveCompany } from "./linked-companies.queries.ts";

export type LinkOutcome =
  | { ok: true }
  | { ok: false; reason: "not_found" | "parent_not_multi_company" | "same_company" | "already_linked" | "child_is_multi_company" | "child_has_links" };

/** Operator: marks a company as a multi-company profile, with how many linked companies it may create itself. */
export async function markMultiCompany(db: Executor, input: { companyId: string; allowance: number; now: Date }) {
  const company = await findLiveCompany(db, input.companyId);
  if (!company) return { ok: false as const, reason: "not_found" as const };
  // One level only: a linked company cannot become a parent.
  if (company.parentId) return { ok: false as const, reason: "already_linked" as const };
  await db
    .update(companies)
    .set({ isMultiCompany: true, linkedAllowance: input.allowance, updatedAt: input.now })
    .where(eq(companies.id, input.companyId));
  return { ok: true as const };
}

/** Operator: links a company to a parent. One level, one parent. */
export async function linkCompany(db: Executor, input: { parentId: string; childId: string; now: Date }): Promise<LinkOutcome> {
  return db.transaction(async (tx) => {
    if (input.parentId === input.childId) return { ok: false, reason: "same_company" };
    const parent = await findLiveCompany(tx, input.parentId);
    const child = await findLiveCompany(tx, input.childId);
    if (!parent || !child) return { ok: false, reason: "not_found" };
    if (!parent.isMultiCompany || parent.parentId) return { ok: false, reason: "parent_not_multi_company" };
    if (child.parentId) return { ok: false, reason: "already_linked" };
    if (child.isMultiCompany) return { ok: false, reason: "child_is_multi_company" };
    if ((await countLinkedCompanies(tx, child.id)) > 0) return { ok: false, reason: "child_has_links" };
    await tx.update(companies).set({ parentId: parent.id, linkedBy: "operator", updatedAt: input.now }).where(eq(companies.id, child.id));
    await recordAuditEvent(tx, {
      action: "company.linked",
      actorCompanyId: parent.id,
      targetCompanyId: child.id,
      details: { via: "cli", parentName: parent.name, companyName: child.name },
      at: input.now,
    });
    return { ok: true };
  });
}

/**
 * Operator: un-links a company. Every grant for it goes at once; its native users keep their logins.
 * Sessions switched into it fall back on their next request (the session lookup checks the link).
 */
export async function unlinkCompany(db: Executor, jobs: Pick<JobQueue, "send">, input: { childId: string; now: Date }) {
  return db.transaction(async (tx) => {
    const child = await findLiveCompany(tx, input.childId);
    if (!child?.parentId) return { ok: false as const, reason: "not_linked" as const };
    // Un-link first, revoke after: a reset being sent through this link right now holds the company
    // row, so the update waits for it and the revocation below then sees its link.
    await tx.update(companies).set({ parentId: null, linkedBy: null, updatedAt: input.now }).where(eq(companies.id, child.id));
    const removed = await tx.delete(managementGrants).where(eq(managementGrants.companyId, child.id)).returning({ id: managementGrants.id });
    await revokeLinksOfLostAuthority(tx, { parentCompanyId: child.parentId, linkedCompanyId: child.id, reason: "company_unlinked", now: input.now });
    await revokeOidcGrants(tx, jobs, { withoutAuthority: { actingCompanyId: child.id } }, "company_unlinked", input.now);
    await recordAuditEvent(tx, {
      action: "company.unlinked",
      actorCompanyId: child.parentId,
      targetCompanyId: child.id,
      details: { via: "cli", companyName: child.name, grantsRemoved: removed.length },
      at: input.now,
    });
    return { ok: true as const, grantsRemoved: removed.length };
  });
}
