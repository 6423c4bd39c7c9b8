import type { Deps } from "../../deps.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import type { Actor } from "../access/actor.ts";
import { decodeNameCursor, encodeNameCursor, type NameCursorKey } from "../keyset-cursor.ts";
import { searchPrefix } from "./user-name.ts";
import { countUsers, SEARCH_COUNT_CAP, selectUserPage, type UserFilter, type UserStatusFilter, type UserSummary } from "./users.queries.ts";

export interface ListUsersInput {
  q?: string | undefined;
  status: UserStatusFilter;
  /** "none": only users without a second factor; for those who may see second factors (decision 0039). */
  secondFactor?: "none" | undefined;
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

/** The acting company's users by name, a keyset page at a time, so page 500 costs what page 1 costs. */
export async function listUsers(deps: Pick<Deps, "db">, actor: Actor, input: ListUsersInput): Promise<UserPage> {
  assertCan(actor, "users.view");
  assertThat(!input.after || !input.before, "VALIDATION_FAILED", "Give either after or before, not both.");
  if (input.secondFactor) assertCan(actor, "users.resetSecondFactor");
  const filter: UserFilter = { prefix: searchPrefix(input.q), status: input.status, noSecondFactor: input.secondFactor === "none" };
  const cursor = input.after ?? input.before;
  const key = cursor ? decodeNameCursor(cursor) : null;
  const direction = input.before ? "backward" : "forward";

  const [rows, totals] = await Promise.all([
    selectUserPage(deps.db, actor, filter, { key, direction, limit: input.limit + 1 }),
    countUsers(deps.db, actor, filter),
  ]);
  const hasMoreAhead = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  if (direction === "backward") page.reverse();
  const first = page[0];
  const last = page.at(-1);

  // The side we came from usually has rows, but the list may have changed since: ask, one row deep.
  const hasRowsBeyond = async (boundary: NameCursorKey | null | undefined, towards: "forward" | "backward") =>
    boundary ? (await selectUserPage(deps.db, actor, filter, { key: boundary, direction: towards, limit: 1 })).length > 0 : false;

  let nextCursor: string | null;
  let prevCursor: string | null;
  if (direction === "forward") {
    nextCursor = hasMoreAhead && last ? encodeNameCursor(last) : null;
    const boundary = first ?? key;
    prevCursor = key && boundary && (await hasRowsBeyond(boundary, "backward")) ? encodeNameCursor(boundary) : null;
  } else {
    prevCursor = hasMoreAhead && first ? encodeNameCursor(first) : null;
    const boundary = last ?? key;
    nextCursor = boundary && (await hasRowsBeyond(boundary, "forward")) ? encodeNameCursor(boundary) : null;
  }
  const counted = totals[0]?.total ?? 0;
  const totalCapped = filter.prefix !== undefined && counted > SEARCH_COUNT_CAP;
  return { users: page, nextCursor, prevCursor, total: totalCapped ? SEARCH_COUNT_CAP : counted, totalCapped };
}
