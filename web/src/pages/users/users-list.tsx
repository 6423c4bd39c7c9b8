import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, downloads } from "../../api/endpoints.ts";
import { FormResult, type FormMessage } from "../../components/notice.tsx";
import { Pagination } from "../../components/pagination.tsx";
import { ListStates, ResultCount } from "../../components/states.tsx";
import { ROLE_LABELS, plural } from "../../lib/format.ts";
import { useDebounced } from "../../lib/use-debounced.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { PAGE_SIZES, fromFirstPage, readListState, writeListState, type ListState, type RoleFilter, type UserSortKey } from "./users-list-params.ts";
import type { UserSummary } from "../../api/types.ts";
import { BulkActions } from "./bulk-actions.tsx";
import { UsersTable } from "./users-table.tsx";

const STATUS_OPTIONS = [
  { value: "active", label: "Active" },
  { value: "deactivated", label: "Deactivated" },
  { value: "all", label: "All" },
] as const;

/**
 * The company's users: search, filters, order, page size and page, all held in the URL (decision
 * 0047), so the back button and a shared link show the same list. Used by the Users page and the
 * "<Company> users" tab of the company profile.
 */
export function UsersList({ companyId, companyName }: { companyId: string; companyName: string }) {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const state = readListState(params);
  const [search, setSearch] = useState(state.q);
  const q = useDebounced(search.trim(), 300);
  // The URL changed under us (back button, a link): the search box follows it.
  useEffect(() => setSearch(state.q), [state.q]);
  const canFilterFactors = me.capabilities.viewSecondFactors;
  const secondFactor = canFilterFactors ? state.secondFactor : "any";

  function go(next: ListState, options: { replace?: boolean } = {}) {
    setParams(writeListState(next), { replace: options.replace ?? false, state: { keepFocus: true } });
  }
  // The debounced search lands in the URL as one entry, not one per key.
  useEffect(() => {
    if (q !== state.q) go(fromFirstPage(state, { q, sort: q ? "name" : state.sort, dir: q ? "asc" : state.dir }), { replace: true });
  }, [q]);

  const query = {
    q: state.q,
    status: state.status,
    sort: state.sort,
    dir: state.dir,
    limit: state.limit,
    ...(state.role ? { role: state.role } : {}),
    ...(secondFactor === "none" ? { secondFactor } : {}),
    ...(state.after ? { after: state.after } : state.before ? { before: state.before } : {}),
  };
  const list = useResource(() => api.users(query), JSON.stringify([companyId, query]));
  const canManage = me.capabilities.createUsers;
  const [message, setMessage] = useState<FormMessage | null>(null);
  // Chosen rows, by id, for a bulk action; a new page, order or filter starts with none.
  const [chosen, setChosen] = useState<{ key: string; users: Map<string, UserSummary> }>({ key: "", users: new Map() });
  const listKey = JSON.stringify(query);
  const selected = chosen.key === listKey ? chosen.users : new Map<string, UserSummary>();
  function choose(users: UserSummary[], yes: boolean) {
    const next = new Map(selected);
    for (const user of users) {
      if (yes && user.id !== me.user.id) next.set(user.id, user);
      else next.delete(user.id);
    }
    setChosen({ key: listKey, users: next });
  }

  const data = list.data;
  const filtered = state.q !== "" || state.status !== "active" || state.role !== "" || secondFactor !== "any";
  const updating = Boolean(data) && (list.loading || search.trim() !== state.q);
  const first = (state.page - 1) * state.limit + 1;
  const range = data && data.users.length > 0 && data.total > data.users.length ? `${first}–${first + data.users.length - 1} of ` : "";
  const sortable = state.q === "";
  function sortBy(sort: UserSortKey) {
    const dir = state.sort === sort && state.dir === "asc" ? "desc" : "asc";
    go(fromFirstPage(state, { sort, dir }));
  }
  const captionParts = [
    `${companyName} users`,
    state.q ? `matching “${state.q}”` : "",
    state.role ? `${ROLE_LABELS[state.role].toLowerCase()}s only` : "",
    secondFactor === "none" ? "without a second factor" : "",
    sortable ? `sorted by ${SORT_WORDS[state.sort]}, ${state.dir === "asc" ? "ascending" : "descending"}` : "",
  ];
  return (
    <div className="users-tab">
      <div className="toolbar">
        <div className="toolbar-filters">
          <div className="field field-inline">
            <label htmlFor="users-search">Search users</label>
            <input
              id="users-search"
              className="input"
              type="search"
              placeholder="Name or email"
              autoComplete="off"
              spellCheck={false}
              value={search}
              aria-describedby="users-count"
              onChange={(event) => setSearch(event.target.value)}
            />
          </div>
          <div className="field field-inline">
            <label htmlFor="users-status">Status</label>
            <select id="users-status" className="input select" value={state.status} onChange={(event) => go(fromFirstPage(state, { status: readListState(new URLSearchParams({ status: event.target.value })).status }))}>
              {STATUS_OPTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field field-inline">
            <label htmlFor="users-role">Role</label>
            <select id="users-role" className="input select" value={state.role} onChange={(event) => go(fromFirstPage(state, { role: readListState(new URLSearchParams({ role: event.target.value })).role }))}>
              <option value="">Any role</option>
              {(Object.keys(ROLE_LABELS) as RoleFilter[]).map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          </div>
          {canFilterFactors ? (
            <div className="field field-inline">
              <label htmlFor="users-second-factor">Second factor</label>
              <select
                id="users-second-factor"
                className="input select"
                value={secondFactor}
                onChange={(event) => go(fromFirstPage(state, { secondFactor: event.target.value === "none" ? "none" : "any" }))}
              >
                <option value="any">Any</option>
                <option value="none">No second factor</option>
              </select>
            </div>
          ) : null}
        </div>
        <div className="toolbar-actions">
          {/* The export follows the filters and order on screen, every page of them. */}
          <a className="button" href={downloads.usersCsv({ q: state.q, status: state.status, sort: state.sort, dir: state.dir, ...(state.role ? { role: state.role } : {}), ...(secondFactor === "none" ? { secondFactor } : {}) })} download>
            Download CSV
          </a>
          {canManage ? (
            <Link to="/users/import" className="button">
              Import from CSV
            </Link>
          ) : null}
          {canManage ? (
            <Link to="/company/users/new" className="button button-primary">
              <span aria-hidden="true">+ </span>Create user
            </Link>
          ) : null}
        </div>
      </div>

      <FormResult message={message} />
      {canManage ? <BulkActions selected={[...selected.values()]} onClear={() => setChosen({ key: "", users: new Map() })} onDone={() => {
        setChosen({ key: "", users: new Map() });
        list.reload();
      }} /> : null}
      <ResultCount id="users-count" updating={updating}>
        {data ? `${range}${data.totalCapped ? `${data.total.toLocaleString()}+ users` : plural(data.total, "user")}` : ""}
        {data && !sortable ? <span className="cell-note"> · matches are listed by name</span> : null}
      </ResultCount>

      <ListStates
        list={list}
        count={({ users }) => users.length}
        loadingLabel="Loading users…"
        errorTitle="The users could not be loaded"
        emptyTitle={filtered ? "No users match" : "No users yet"}
        emptyText={filtered ? "Try another name or email, or change the filters." : "Create the first user to invite a colleague."}
      >
        {({ users }) => (
          <UsersTable
            users={users}
            caption={captionParts.filter(Boolean).join(", ")}
            busy={list.loading}
            meId={me.user.id}
            canRestore={canManage}
            sort={sortable ? { key: state.sort, dir: state.dir, onSort: sortBy } : null}
            selection={canManage ? { selected: new Set(selected.keys()), onChange: choose } : null}
            onRestored={(user) => {
              setMessage({ tone: "success", text: `${user.name} was restored. Send them a password reset link from their page so they can choose a new password.` });
              list.reload();
            }}
          />
        )}
      </ListStates>
      {data && !list.error ? (
        <div className="list-footer">
          <div className="field field-inline">
            <label htmlFor="users-page-size">Rows per page</label>
            <select id="users-page-size" className="input select" value={state.limit} onChange={(event) => go(fromFirstPage(state, { limit: Number(event.target.value) }))}>
              {PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
            </select>
          </div>
          <Pagination
            label="Users pages"
            hasPrevious={data.prevCursor !== null}
            hasNext={data.nextCursor !== null}
            onPrevious={() => data.prevCursor && go({ ...state, after: null, before: data.prevCursor, page: Math.max(1, state.page - 1) })}
            onNext={() => data.nextCursor && go({ ...state, before: null, after: data.nextCursor, page: state.page + 1 })}
          />
        </div>
      ) : null}
    </div>
  );
}

const SORT_WORDS: Record<UserSortKey, string> = {
  name: "name",
  email: "email",
  role: "role",
  status: "status",
  lastSignIn: "last sign-in",
  created: "creation date",
};
