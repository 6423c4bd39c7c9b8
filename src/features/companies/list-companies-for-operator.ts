import { asc, count, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.ts";
import { companies, users } from "../../db/schema.ts";

/** Every company of the installation, deleted ones included: the operator's view, not a tenant's. */
export async function listCompaniesForOperator(db: Executor) {
  const parent = alias(companies, "parent");
  const userCounts = db
    .select({ companyId: users.companyId, users: count().as("users") })
    .from(users)
    .groupBy(users.companyId)
    .as("user_counts");
  return db
    .select({
      id: companies.id,
      name: companies.name,
      users: sql<number>`coalesce(${userCounts.users}, 0)`.mapWith(Number),
      isMultiCompany: companies.isMultiCompany,
      parentName: parent.name,
      createdAt: companies.createdAt,
      deletedAt: companies.deletedAt,
    })
    .from(companies)
    .leftJoin(parent, eq(parent.id, companies.parentId))
    .leftJoin(userCounts, eq(userCounts.companyId, companies.id))
    .orderBy(asc(companies.createdAt), asc(companies.id));
}
