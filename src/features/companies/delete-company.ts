import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { companies, linkTokens, sessions, users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { Actor } from "../access/actor.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { requireCompanyInScope } from "./company.queries.ts";

/**
 * Soft delete, confirmed by typing the company's name. Everything else stays for the audit log
 * and for an operator's restore (restore-company.ts); what must stop, stops in this transaction:
 * every session and every outstanding link of the company's users. Sign-in and the session lookup
 * refuse users of a deleted company from then on (decision 0005).
 */
export async function deleteCompany(deps: Pick<Deps, "db" | "clock" | "jobs">, actor: Actor, confirmName: string) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const company = await requireCompanyInScope(tx, actor, { lock: true });
    assertCan(actor, "company.delete");
    assertThat(confirmName.trim() === company.name, "COMPANY_NAME_MISMATCH");

    await tx.update(companies).set({ deletedAt: now, updatedAt: now }).where(eq(companies.id, company.id));
    const members = tx.select({ id: users.id }).from(users).where(eq(users.companyId, company.id));
    const endedSessions = await tx
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(inArray(sessions.userId, members), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
      .returning({ id: sessions.id });
    const revokedLinks = await tx
      .update(linkTokens)
      .set({ revokedAt: now, revokedReason: "company_deleted" })
      .where(
        and(
          inArray(linkTokens.userId, members),
          isNull(linkTokens.usedAt),
          isNull(linkTokens.supersededAt),
          isNull(linkTokens.revokedAt),
          gt(linkTokens.expiresAt, now),
        ),
      )
      .returning({ id: linkTokens.id });
    // Its users' application grants, and those of team members acting in it from a parent.
    const grantsRevoked = await revokeOidcGrants(tx, deps.jobs, { companyId: company.id }, "company_deleted", now);
    await recordAuditEvent(tx, {
      action: "company.deleted",
      actor,
      targetCompanyId: company.id,
      details: { name: company.name, sessionsRevoked: endedSessions.length, linksRevoked: revokedLinks.length, ...(grantsRevoked ? { applicationGrantsRevoked: grantsRevoked } : {}) },
      at: now,
    });
    return { companyId: company.id, signedOutCaller: actor.companyId === company.id };
  });
}
