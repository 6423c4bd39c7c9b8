import { desc, eq, inArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { queryRows, type Executor } from "../../../db/client.ts";
import type { DeliveryStatus as EmailDeliveryStatus } from "../../../email/delivery-problem.ts";
import { companies, emails, linkTokens, roleEnum, userStatusEnum, users } from "../../../db/schema.ts";

interface AccountRow {
  id: string;
  name: string;
  email: string;
  role: (typeof roleEnum.enumValues)[number];
  status: (typeof userStatusEnum.enumValues)[number];
  companyId: string;
  companyName: string;
  /** When the account's company was deleted (as PostgreSQL wrote it), or null. */
  companyDeletedAt: string | null;
}

/**
 * The accounts behind a batch of typed addresses (already normalised), whatever their state: the
 * forgot-password worker's one lookup per batch (decision 0034), keyed by address.
 */
export async function findAccountsByEmails(db: Executor, normalizedEmails: string[]): Promise<Map<string, AccountRow>> {
  if (normalizedEmails.length === 0) return new Map();
  const rows = await queryRows<AccountRow & { emailNormalized: string }>(db, sql`
    select u.id, u.name, u.email, u.email_normalized as "emailNormalized", u.role, u.status, u.company_id as "companyId", c.name as "companyName", c.deleted_at as "companyDeletedAt"
    from users u join companies c on c.id = u.company_id
    where u.email_normalized in (${sql.join(normalizedEmails.map((email) => sql`${email}`), sql`, `)})`);
  return new Map(rows.map(({ emailNormalized, ...row }) => [emailNormalized, row]));
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
      requestedByClientName: linkTokens.requestedByClientName,
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

/** The delivery state of the email each link went out in (the newest, should there be several), and its last error. */
export async function emailStatusOfLinks(db: Executor, linkIds: string[]) {
  const byLink = new Map<string, { status: EmailDeliveryStatus; lastError: string | null }>();
  if (linkIds.length === 0) return byLink;
  const rows = await db
    .select({ linkTokenId: emails.linkTokenId, status: emails.status, lastError: emails.lastError })
    .from(emails)
    .where(inArray(emails.linkTokenId, linkIds))
    .orderBy(emails.createdAt);
  for (const row of rows) if (row.linkTokenId) byLink.set(row.linkTokenId, { status: row.status, lastError: row.lastError });
  return byLink;
}
