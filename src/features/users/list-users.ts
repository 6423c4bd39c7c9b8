import type { Deps } from "../../deps.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import type { Actor } from "../access/actor.ts";
import type { Role } from "../access/roles.ts";
import { decodeNameCursor, encodeNameCursor } from "../keyset-cursor.ts";
import { searchPrefix } from "./user-name.ts";
import { decodeOrderCursor, encodeOrderCursor, type SortDirection, type UserSort } from "./user-order.ts";
import { orderKeyOf, selectOrderedPage } from "./user-order.queries.ts";
import { countUsers, SEARCH_COUNT_CAP, selectUserPage, type UserFilter, type UserStatusFilter, type UserSummary } from "./users.queries.ts";

export interface ListUsersInput {
  q?: string | undefined;
  status: UserStatusFilter;
  role?: Role | undefined;
  /** "none": only users without a second factor; for those who may see second factors (decision 0039). */
  secondFactor?: "none" | undefined;
  sort?: UserSort | undefined;
  dir?: SortDirection | undefined;
  after?: string | undefined;
  before?: string | undefined;
  limit: number;
}

export interface UserPage {
  users: UserSummary[];
  nextCursor: string | null;
  prevCursor: string | null;
  total: number;
  /** A search with more matches than SEARCH_COUNT_CAP: `total` is the cap, and there are more. */
  totalCapped: boolean;
}

/** How one order reads a page from a cursor, and writes the cursor of a row. */
interface PageReader<Row> {
  read: (cursor: string | null, ascending: boolean, limit: number) => Promise<Row[]>;
  cursorAt: (row: Row) => string;
}

function readerFor(deps: Pick<Deps, "db">, actor: Actor, filter: UserFilter, sort: UserSort): PageReader<UserSummary> {
  if (sort === "name") {
    return {
      read: (cursor, ascending, limit) =>
        selectUserPage(deps.db, actor, filter, { key: cursor ? decodeNameCursor(cursor) : null, direction: ascending ? "forward" : "backward", limit }),
      cursorAt: (row) => encodeNameCursor(row),
    };
  }
  const rowsByCursor = new Map<UserSummary, string>();
  return {
    read: async (cursor, ascending, limit) => {
      const rows = await selectOrderedPage(deps.db, actor, filter, sort, { key: cursor ? decodeOrderCursor(cursor, sort) : null, ascending, limit });
      return rows.map((row) => {
        const { emailKey: _e, createdKey: _c, signedInKey: _s, part: _p, ...summary } = row;
        rowsByCursor.set(summary, encodeOrderCursor(orderKeyOf(sort, row)));
        return summary;
      });
    },
    cursorAt: (row) => rowsByCursor.get(row) ?? "",
  };
}

/**
 * The acting company's users, a keyset page at a time in the order asked for (decision 0047), so
 * page 500 costs what page 1 costs. A search lists its matches by name only.
 */
export async function listUsers(deps: Pick<Deps, "db">, actor: Actor, input: ListUsersInput): Promise<UserPage> {
  assertCan(actor, "users.view");
  assertThat(!input.after || !input.before, "VALIDATION_FAILED", "Give either after or before, not both.");
  if (input.secondFactor) assertCan(actor, "users.resetSecondFactor");
  const sort = input.sort ?? "name";
  const filter: UserFilter = { prefix: searchPrefix(input.q), status: input.status, role: input.role, noSecondFactor: input.secondFactor === "none" };
  assertThat(sort === "name" || filter.prefix === undefined, "VALIDATION_FAILED", "A search lists its matches by name: sort by name, or clear the search.");
  const reader = readerFor(deps, actor, filter, sort);
  const cursor = input.after ?? input.before ?? null;
  const forward = !input.before;
  // Reading direction: the order's own going forward, its reverse going back.
  const ascending = (input.dir !== "desc") === forward;

  const [rows, totals] = await Promise.all([reader.read(cursor, ascending, input.limit + 1), countUsers(deps.db, actor, filter)]);
  const hasMoreAhead = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  if (!forward) page.reverse();
  const first = page[0];
  const last = page.at(-1);

  // The side we came from usually has rows, but the list may have changed since: ask, one row deep.
  const hasRowsBeyond = async (boundary: string, readingAscending: boolean) => (await reader.read(boundary, readingAscending, 1)).length > 0;

  let nextCursor: string | null;
  let prevCursor: string | null;
  if (forward) {
    nextCursor = hasMoreAhead && last ? reader.cursorAt(last) : null;
    const boundary = first ? reader.cursorAt(first) : cursor;
    prevCursor = cursor && boundary && (await hasRowsBeyond(boundary, !ascending)) ? boundary : null;
  } else {
    prevCursor = hasMoreAhead && first ? reader.cursorAt(first) : null;
    const boundary = last ? reader.cursorAt(last) : cursor;
    nextCursor = boundary && (await hasRowsBeyond(boundary, !ascending)) ? boundary : null;
  }
  const counted = totals[0]?.total ?? 0;
  const totalCapped = filter.prefix !== undefined && counted > SEARCH_COUNT_CAP;
  return { users: page, nextCursor, prevCursor, total: totalCapped ? SEARCH_COUNT_CAP : counted, totalCapped };
}
