import { and, desc, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "../../../db/client.ts";
import { companies, emails, linkTokens, users } from "../../../db/schema.ts";
import { usersInScope, type ScopeActor } from "../../companies/company-scope.ts";

const target = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: users.role,
  status: users.status,
  companyId: users.companyId,
  companyName: companies.name,
};

/** A user the actor may see, or null: out of scope and missing look the same. */
export async function findUserInScope(db: Executor, actor: ScopeActor, userId: string) {
  const [row] = await db
    .select(target)
    .from(users)
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(and(eq(users.id, userId), usersInScope(actor)))
    .limit(1);
  return row ?? null;
}

/** The account behind a typed address (already normalised), whatever its state. */
export async function findAccountByEmail(db: Executor, normalizedEmail: string) {
  const [row] = await db
    .select({ ...target, companyDeletedAt: companies.deletedAt })
    .from(users)
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(eq(users.emailNormalized, normalizedEmail))
    .limit(1);
  return row ?? null;
}

const requester = alias(users, "requester");
const requesterCompany = alias(companies, "requester_company");

export const HISTORY_LIMIT = 100;

/** Every link of one user, newest first, with who asked for it. */
export async function listLinksOfUser(db: Executor, userId: string) {
  return db
    .select({
      id: linkTokens.id,
      purpose: linkTokens.purpose,
      createdAt: linkTokens.createdAt,
      expiresAt: linkTokens.expiresAt,
      usedAt: linkTokens.usedAt,
      supersededAt: linkTokens.supersededAt,
      revokedAt: linkTokens.revokedAt,
      revokedReason: linkTokens.revokedReason,
      requestedByUserId: linkTokens.requestedByUserId,
      requestedByCompanyId: linkTokens.requestedByCompanyId,
      requesterName: requester.name,
      requesterRole: requester.role,
      requesterCompanyName: requesterCompany.name,
    })
    .from(linkTokens)
    .leftJoin(requester, eq(requester.id, linkTokens.requestedByUserId))
    .leftJoin(requesterCompany, eq(requesterCompany.id, linkTokens.requestedByCompanyId))
    .where(eq(linkTokens.userId, userId))
    .orderBy(desc(linkTokens.createdAt), desc(linkTokens.id))
    .limit(HISTORY_LIMIT);
}

/** The delivery state of the email each link went out in (the newest, should there be several). */
export async function emailStatusOfLinks(db: Executor, linkIds: string[]) {
  if (linkIds.length === 0) return new Map<string, string>();
  const rows = await db
    .select({ linkTokenId: emails.linkTokenId, status: emails.status })
    .from(emails)
    .where(inArray(emails.linkTokenId, linkIds))
    .orderBy(emails.createdAt);
  const byLink = new Map<string, string>();
  for (const row of rows) if (row.linkTokenId) byLink.set(row.linkTokenId, row.status);
  return byLink;
}
