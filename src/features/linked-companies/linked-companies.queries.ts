import { and, count, eq, isNull } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { companies } from "../../db/schema.ts";

export async function findLiveCompany(db: Executor, companyId: string) {
  const [row] = await db.select().from(companies).where(and(eq(companies.id, companyId), isNull(companies.deletedAt))).limit(1);
  return row ?? null;
}

/** The linked companies a parent created itself (linked_by 'parent'): what its allowance counts. */
export async function countCompaniesCreatedByParent(db: Executor, parentId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(companies)
    .where(and(eq(companies.parentId, parentId), eq(companies.linkedBy, "parent"), isNull(companies.deletedAt)));
  return row?.n ?? 0;
}

export async function countLinkedCompanies(db: Executor, parentId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(companies).where(and(eq(companies.parentId, parentId), isNull(companies.deletedAt)));
  return row?.n ?? 0;
}
