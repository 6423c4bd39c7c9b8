import { and, asc, count, desc, eq, inArray, like, notLike, sql, type SQL } from "drizzle-orm";
import { unionAll } from "drizzle-orm/pg-core";
import type { Executor } from "../../db/client.ts";
import { likePrefix } from "../../db/like-prefix.ts";
import { users } from "../../db/schema.ts";
import { usersInScope, type ScopeActor } from "../access/company-scope.ts";
import type { Role } from "../access/roles.ts";
import { summaryColumns } from "../access/users-in-scope.ts";

export type UserSummary = Awaited<ReturnType<typeof selectUserPage>>[number];
export type UserStatusFilter = "active" | "deactivated" | "all";

export interface UserFilter {
  /** Already normalised like the sort keys (NFC, lower case). */
  prefix: string | undefined;
  status: UserStatusFilter;
  /** Only users with this role (decision 0047). */
  role?: Role | undefined;
  /** Only users with neither a confirmed authenticator app nor a passkey (decision 0039). */
  noSecondFactor?: boolean;
}

/**
 * A user without a second factor: two anti-joins, each one probe of an index per user
 * (totp_factors' primary key, passkeys_user_idx), so the filter costs about what the page costs.
 * Qualified by hand, like summaryColumns' lastLoginAt: the builder writes bare column names.
 */
const withoutSecondFactor = sql`not exists (select 1 from totp_factors t where t.user_id = "users"."id" and t.confirmed_at is not null)
  and not exists (select 1 from passkeys p where p.user_id = "users"."id")`;

export interface PagePosition {
  key: { nameSort: string; id: string } | null;
  direction: "forward" | "backward";
  limit: number;
}

/** Scope and filters: every list and count starts here. */
export function scopeAndFilters(actor: ScopeActor, filter: UserFilter): SQL | undefined {
  return and(
    usersInScope(actor),
    filter.status === "all" ? undefined : eq(users.status, filter.status),
    filter.role ? eq(users.role, filter.role) : undefined,
    filter.noSecondFactor ? withoutSecondFactor : undefined,
  );
}

/** Searches up to this many characters long can use users_company_email_only_idx (schema.ts). */
const EMAIL_ONLY_INDEXED_PREFIX = 3;

/**
 * A search matches a name prefix or an email prefix. Asked as one OR, PostgreSQL either reads every
 * match or walks the company in name order until it has a page, so the cost grows with the company.
 * Asked as two disjoint branches, the name branch reads users_company_name_status_idx from the prefix
 * on, in page order, and the email branch reads only users_company_email_search_idx, keeping the
 * entries whose name did not match already (name_sort and id ride in that index, so no row is
 * visited to decide).
 */
function searchBranches(prefix: string): { byName: SQL; byEmailOnly: SQL | undefined } {
  const pattern = likePrefix(prefix);
  const byName = like(users.nameSort, pattern);
  const byEmailOnly = and(like(users.emailNormalized, pattern), notLike(users.nameSort, pattern));
  if ([...prefix].length > EMAIL_ONLY_INDEXED_PREFIX) return { byName, byEmailOnly };
  // Most addresses start like their owner's name, so a short prefix ("mar") matches thousands of
  // emails in a large company, nearly all of them name matches too. A user found by such a prefix in
  // the email and not in the name has an email and a name that start differently; saying so lets
  // PostgreSQL read users_company_email_only_idx, which holds only those users, instead of every
  // email with the prefix. The condition must read exactly as the index's.
  const startsDifferently = sql`left(${users.emailNormalized}, 3) collate "C" <> left(${users.nameSort}, 3)`;
  return { byName, byEmailOnly: and(byEmailOnly, startsDifferently) };
}

/**
 * One page in (name_sort, id) order, read from users_company_name_status_idx: the row comparison lets
 * PostgreSQL start at the cursor instead of counting past earlier pages. Returns the builder so
 * the plan can be checked with EXPLAIN.
 */
export function selectUserPage(db: Executor, actor: ScopeActor, filter: UserFilter, position: PagePosition) {
  const { key, direction } = position;
  const keyCondition = key
    ? direction === "forward"
      ? sql`(${users.nameSort}, ${users.id}) > (${key.nameSort}, ${key.id}::uuid)`
      : sql`(${users.nameSort}, ${users.id}) < (${key.nameSort}, ${key.id}::uuid)`
    : undefined;
  const order = direction === "forward" ? [asc(users.nameSort), asc(users.id)] : [desc(users.nameSort), desc(users.id)];
  const page = (search: SQL | undefined) => db.select(summaryColumns).from(users).where(search).orderBy(...order).limit(position.limit);
  const inScope = and(scopeAndFilters(actor, filter), keyCondition);
  if (!filter.prefix) return page(inScope);
  const { byName, byEmailOnly } = searchBranches(filter.prefix);
  // The email-only matches are usually few, but the planner cannot know that: asked for a page of
  // them in name order it walks the name index looking for them. OFFSET 0 (which the query builder
  // leaves out) makes the scan of the email index a step of its own, sorted afterwards.
  const way = sql.raw(direction === "forward" ? "asc" : "desc");
  const emailOnlyIds = sql`${users.id} in (select id from (select ${users.id}, ${users.nameSort} from ${users} where ${and(inScope, byEmailOnly)} offset 0) as email_only
    order by name_sort ${way}, id ${way} limit ${position.limit})`;
  return unionAll(page(and(inScope, byName)), page(emailOnlyIds))
    .orderBy(...order)
    .limit(position.limit);
}

/**
 * A search counts its matches up to this many and then stops: past it the total is "more than", so
 * a search costs what its page costs, not what the company's size makes it (Auth0 caps at 1,000 too).
 */
export const SEARCH_COUNT_CAP = 1_000;

/** How many users the list holds; for a search, up to SEARCH_COUNT_CAP + 1 (more means "over the cap"). */
export function countUsers(db: Executor, actor: ScopeActor, filter: UserFilter) {
  if (!filter.prefix) return db.select({ total: count() }).from(users).where(scopeAndFilters(actor, filter));
  const { byName, byEmailOnly } = searchBranches(filter.prefix);
  const matches = (search: SQL | undefined) => db.select({ id: users.id }).from(users).where(and(scopeAndFilters(actor, filter), search));
  return db.select({ total: count() }).from(unionAll(matches(byName), matches(byEmailOnly)).limit(SEARCH_COUNT_CAP + 1).as("matches"));
}

/**
 * Which of these normalised addresses some user already holds, in any company: the unique index
 * on email_normalized spans the installation, so a creation of any of them would be refused.
 */
export async function findTakenEmails(db: Executor, normalized: string[]): Promise<Set<string>> {
  if (normalized.length === 0) return new Set();
  const rows = await db.select({ email: users.emailNormalized }).from(users).where(inArray(users.emailNormalized, normalized));
  return new Set(rows.map((row) => row.email));
}
