import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { userLogins, users } from "../../db/schema.ts";
import type { ScopeActor } from "../access/company-scope.ts";
import { summaryColumns } from "../access/users-in-scope.ts";
import type { OrderCursorKey } from "./user-order.ts";
import { scopeAndFilters, type UserFilter } from "./users.queries.ts";

type OrderSort = OrderCursorKey["sort"];

/**
 * One part of an order: which rows, and the key they are read by (ascending; id breaks ties). Each
 * key reads exactly as an index of schema.ts so PostgreSQL walks the index instead of sorting the company.
 */
interface OrderPart {
  where?: SQL;
  signedIn?: boolean;
  keys: SQL[];
  /** How each key is compared with a cursor's value: the value's type. */
  casts: string[];
}

const byName = { keys: [sql`${users.nameSort}`], casts: ["text"] };
const neverSignedIn = sql`not exists (select 1 from ${userLogins} l where l.user_id = "users"."id")`;

function partsOf(sort: OrderSort): OrderPart[] {
  switch (sort) {
    case "email":
      return [{ keys: [sql`${users.emailNormalized} collate "C"`], casts: ['text collate "C"'] }];
    case "role":
      return [{ keys: [sql`${users.role}`, sql`${users.nameSort}`], casts: ["role", "text"] }];
    case "status":
      return [{ keys: [sql`${users.status}`, sql`${users.nameSort}`], casts: ["user_status", "text"] }];
    case "created":
      return [{ keys: [sql`${users.createdAt}`], casts: ["timestamptz"] }];
    case "lastSignIn":
      // Those who never signed in are the oldest: first going up, last going down.
      return [
        { where: neverSignedIn, ...byName },
        { signedIn: true, keys: [sql`${userLogins.lastLoginAt}`], casts: ["timestamptz"] },
      ];
  }
}

/** The row's key values as the cursor carries them: exact text, so a timestamp keeps its microseconds. */
const keyColumns = {
  emailKey: users.emailNormalized,
  createdKey: sql<string>`${users.createdAt}::text`,
  signedInKey: sql<string | null>`(select l.last_login_at::text from ${userLogins} l where l.user_id = "users"."id")`,
};

export type OrderedRow = Awaited<ReturnType<typeof selectPart>>[number] & { part: number };

function selectPart(db: Executor, actor: ScopeActor, filter: UserFilter, part: OrderPart, after: { values: string[]; id: string } | null, ascending: boolean, limit: number) {
  const way = sql.raw(ascending ? "asc" : "desc");
  const columns = [...part.keys, part.signedIn ? sql`${userLogins.userId}` : sql`${users.id}`];
  const keyCondition = after
    ? sql`(${sql.join(columns, sql`, `)}) ${sql.raw(ascending ? ">" : "<")} (${sql.join(
        [...after.values.map((value, i) => sql`${value}::${sql.raw(part.casts[i] ?? "text")}`), sql`${after.id}::uuid`],
        sql`, `,
      )})`
    : undefined;
  const select = db.select({ ...summaryColumns, ...keyColumns }).from(users);
  // The company condition on user_logins too, so the walk is of user_logins_company_at_idx.
  const from = part.signedIn
    ? select.innerJoin(userLogins, and(eq(userLogins.userId, users.id), eq(userLogins.companyId, users.companyId)))
    : select;
  return from
    .where(and(scopeAndFilters(actor, filter), part.where, keyCondition))
    .orderBy(...columns.map((column) => sql`${column} ${way}`))
    .limit(limit);
}

/**
 * A keyset page in a non-name order: each part read from its index in turn, from the cursor on, until
 * the page is full. `ascending` is the reading direction (a "before" page reads the order backwards).
 */
export async function selectOrderedPage(
  db: Executor,
  actor: ScopeActor,
  filter: UserFilter,
  sort: OrderSort,
  position: { key: OrderCursorKey | null; ascending: boolean; limit: number },
): Promise<OrderedRow[]> {
  const parts = partsOf(sort);
  const indexes = parts.map((_, i) => i);
  const inReadingOrder = position.ascending ? indexes : indexes.reverse();
  const rows: OrderedRow[] = [];
  for (const index of inReadingOrder) {
    const part = parts[index];
    if (!part) continue;
    if (position.key && (position.ascending ? index < position.key.part : index > position.key.part)) continue;
    const after = position.key && position.key.part === index ? position.key : null;
    const found = await selectPart(db, actor, filter, part, after, position.ascending, position.limit - rows.length);
    rows.push(...found.map((row) => ({ ...row, part: index })));
    if (rows.length >= position.limit) break;
  }
  return rows;
}

/** The values a cursor at this row carries, for the order it was read in. */
export function orderKeyOf(sort: OrderSort, row: OrderedRow): OrderCursorKey {
  const values = (() => {
    switch (sort) {
      case "email":
        return [row.emailKey];
      case "role":
        return [row.role, row.nameSort];
      case "status":
        return [row.status, row.nameSort];
      case "created":
        return [row.createdKey];
      case "lastSignIn":
        return [row.part === 0 ? row.nameSort : (row.signedInKey ?? "")];
    }
  })();
  return { sort, part: row.part, values, id: row.id };
}
