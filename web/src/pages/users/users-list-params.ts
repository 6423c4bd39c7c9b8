import type { Query } from "../../api/types.ts";

/** The users list's state as the URL holds it, so the back button and a shared link show the same page. */
export type UsersQuery = Query<"/users", "get">;
export type UserSortKey = NonNullable<UsersQuery["sort"]>;
export type RoleFilter = NonNullable<UsersQuery["role"]>;
export type StatusFilter = "active" | "deactivated" | "all";

export const PAGE_SIZES = [25, 50, 100] as const;
const SORTS: UserSortKey[] = ["name", "email", "role", "status", "lastSignIn", "created"];
const ROLES: RoleFilter[] = ["administrator", "manager", "user", "read_only"];

export interface ListState {
  q: string;
  status: StatusFilter;
  role: RoleFilter | "";
  sort: UserSortKey;
  dir: "asc" | "desc";
  limit: number;
  after: string | null;
  before: string | null;
  /** Which page the cursors have reached, only to say "26–50 of 120": the API pages by cursor. */
  page: number;
  secondFactor: "any" | "none";
}

const oneOf = <T extends string>(values: readonly T[], value: string | null, fallback: T): T => (values.find((v) => v === value) ?? fallback);

export function readListState(params: URLSearchParams): ListState {
  const limit = Number(params.get("limit"));
  const page = Number(params.get("page"));
  return {
    q: params.get("q") ?? "",
    status: oneOf(["active", "deactivated", "all"], params.get("status"), "active"),
    role: oneOf<RoleFilter | "">(ROLES, params.get("role"), ""),
    sort: oneOf(SORTS, params.get("sort"), "name"),
    dir: params.get("dir") === "desc" ? "desc" : "asc",
    limit: PAGE_SIZES.find((size) => size === limit) ?? PAGE_SIZES[0],
    after: params.get("after"),
    before: params.get("before"),
    page: Number.isInteger(page) && page > 1 ? page : 1,
    secondFactor: params.get("secondFactor") === "none" ? "none" : "any",
  };
}

const DEFAULTS: Record<string, string> = { status: "active", sort: "name", dir: "asc", limit: String(PAGE_SIZES[0]), page: "1", secondFactor: "any" };

/** The URL for a state: defaults left out, so the plain list has the plain address. */
export function writeListState(state: ListState): URLSearchParams {
  const params = new URLSearchParams();
  const entries: Array<[string, string | null]> = [
    ["q", state.q],
    ["status", state.status],
    ["role", state.role],
    ["sort", state.sort],
    ["dir", state.dir],
    ["limit", String(state.limit)],
    ["secondFactor", state.secondFactor],
    ["page", String(state.page)],
    ["after", state.after],
    ["before", state.before],
  ];
  for (const [name, value] of entries) if (value && value !== DEFAULTS[name]) params.set(name, value);
  return params;
}

/** A change of filter, order or page size starts again from the first page. */
export function fromFirstPage(state: ListState, change: Partial<ListState>): ListState {
  return { ...state, ...change, after: null, before: null, page: 1 };
}
