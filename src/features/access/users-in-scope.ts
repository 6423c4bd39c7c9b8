import { and, eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { companies, userLogins, users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { usersInScope, type ScopeActor } from "./company-scope.ts";

/** What a list row shows. `nameSort` travels along because the page cursor is built from it. */
export const summaryColumns = {
  id: users.id,
  name: users.name,
  nameSort: users.nameSort,
  email: users.email,
  role: users.role,
  status: users.status,
  hasPassword: sql<boolean>`(${users.passwordHash} is not null)`,
  // Kept apart from users (decision 0015); read for the rows of the page only. Qualified by hand:
  // in a one-table select the builder writes bare column names, and "id" would mean whichever
  // table of the subquery had one.
  lastLoginAt: sql<Date | null>`(select l.last_login_at from ${userLogins} l where l.user_id = "users"."id")`.mapWith(userLogins.lastLoginAt),
  createdAt: users.createdAt,
};

const detailColumns = {
  ...summaryColumns,
  emailNormalized: users.emailNormalized,
  companyId: users.companyId,
  companyName: companies.name,
  passwordChangedAt: users.passwordChangedAt,
  deactivatedAt: users.deactivatedAt,
};

/**
 * One user the actor may see, or null: out of scope and missing are the same answer. `lock`
 * holds the row until the transaction ends, so two admins acting at once apply one after the other.
 */
export async function findUserInScope(db: Executor, actor: ScopeActor, userId: string, options: { lock?: boolean } = {}) {
  const query = db
    .select(detailColumns)
    .from(users)
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(and(eq(users.id, userId), usersInScope(actor)))
    .limit(1);
  const [row] = options.lock ? await query.for("update", { of: users }) : await query;
  return row ?? null;
}

export type UserDetail = NonNullable<Awaited<ReturnType<typeof findUserInScope>>>;

/** Like findUserInScope, for use cases: a user the actor cannot see is NOT_FOUND, before any other check. */
export async function requireUserInScope(db: Executor, actor: ScopeActor, userId: string, options: { lock?: boolean } = {}): Promise<UserDetail> {
  const user = await findUserInScope(db, actor, userId, options);
  assertThat(user, "NOT_FOUND");
  return user;
}
