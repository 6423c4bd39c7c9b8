import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api } from "../../api/endpoints.ts";
import { FormResult, type FormMessage } from "../../components/notice.tsx";
import { Pagination } from "../../components/pagination.tsx";
import { ListStates, ResultCount } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useDebounced } from "../../lib/use-debounced.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { useCompanyOutlet } from "../company/company-page.tsx";
import { UsersTable } from "./users-table.tsx";

const PAGE_SIZE = 25;

type StatusFilter = "active" | "deactivated" | "all";
type Cursor = { after: string } | { before: string } | null;

const STATUS_OPTIONS: Array<{ value: StatusFilter; label: string }> = [
  { value: "active", label: "Active" },
  { value: "deactivated", label: "Deactivated" },
  { value: "all", label: "All" },
];

type SecondFactorFilter = "any" | "none";

function statusFrom(value: string | null): StatusFilter {
  return value === "deactivated" || value === "all" ? value : "active";
}

/** The "<Company> users" tab: search, status filter, and cursor pagination over the company's users. */
export function UsersTab() {
  const me = useMe();
  const { company } = useCompanyOutlet();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("q") ?? "");
  const status = statusFrom(params.get("status"));
  const canFilterFactors = me.capabilities.viewSecondFactors;
  const secondFactor: SecondFactorFilter = canFilterFactors && params.get("secondFactor") === "none" ? "none" : "any";
  const q = useDebounced(search.trim(), 300);
  const [cursor, setCursor] = useState<Cursor>(null);
  // Which page the cursors have reached, only to say "26–29 of 29": the API pages by cursor, not by number.
  const [pageIndex, setPageIndex] = useState(0);
  const filters = `${q}|${status}|${secondFactor}`;
  const [filterKey, setFilterKey] = useState(filters);
  // A new search or filter starts again from the first page.
  if (filterKey !== filters) {
    setFilterKey(filters);
    setCursor(null);
    setPageIndex(0);
  }

  const key = JSON.stringify([company.id, q, status, secondFactor, cursor]);
  const list = useResource(() => api.users({ q, status, limit: PAGE_SIZE, ...(secondFactor === "none" ? { secondFactor } : {}), ...(cursor ?? {}) }), key);
  const canManage = me.capabilities.createUsers;
  const [message, setMessage] = useState<FormMessage | null>(null);

  function updateParam(name: string, value: string, fallback: string) {
    const next = new URLSearchParams(params);
    if (value && value !== fallback) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true, state: { keepFocus: true } });
  }

  const data = list.data;
  const filtered = q !== "" || status !== "active" || secondFactor !== "any";
  const updating = Boolean(data) && (list.loading || search.trim() !== q);
  const first = pageIndex * PAGE_SIZE + 1;
  const range = data && data.users.length > 0 && data.total > data.users.length ? `${first}–${first + data.users.length - 1} of ` : "";
  return (
    <div className="users-tab">
      <h3 className="visually-hidden">{company.name} users</h3>
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
              onChange={(event) => {
                setSearch(event.target.value);
                updateParam("q", event.target.value.trim(), "");
              }}
            />
          </div>
          <div className="field field-inline">
            <label htmlFor="users-status">Status</label>
            <select id="users-status" className="input select" value={status} onChange={(event) => updateParam("status", event.target.value, "active")}>
              {STATUS_OPTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
          {canFilterFactors ? (
            <div className="field field-inline">
              <label htmlFor="users-second-factor">Second factor</label>
              <select id="users-second-factor" className="input select" value={secondFactor} onChange={(event) => updateParam("secondFactor", event.target.value, "any")}>
                <option value="any">Any</option>
                <option value="none">No second factor</option>
              </select>
            </div>
          ) : null}
        </div>
        {canManage ? (
          <Link to="/company/users/new" className="button button-primary">
            <span aria-hidden="true">+ </span>Create user
          </Link>
        ) : null}
      </div>

      <FormResult message={message} />
      <ResultCount id="users-count" updating={updating}>
        {data ? `${range}${data.totalCapped ? `${data.total.toLocaleString()}+ users` : plural(data.total, "user")}` : ""}
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
            caption={`${company.name} users${q ? `, matching “${q}”` : ""}${secondFactor === "none" ? ", without a second factor" : ""}`}
            busy={list.loading}
            meId={me.user.id}
            canRestore={canManage}
            onRestored={(user) => {
              setMessage({ tone: "success", text: `${user.name} was restored. Send them a password reset link from their page so they can choose a new password.` });
              list.reload();
            }}
          />
        )}
      </ListStates>
      {data && !list.error ? (
        <Pagination
          label="Users pages"
          hasPrevious={data.prevCursor !== null}
          hasNext={data.nextCursor !== null}
          onPrevious={() => {
            if (!data.prevCursor) return;
            setCursor({ before: data.prevCursor });
            setPageIndex((n) => Math.max(0, n - 1));
          }}
          onNext={() => {
            if (!data.nextCursor) return;
            setCursor({ after: data.nextCursor });
            setPageIndex((n) => n + 1);
          }}
        />
      ) : null}
    </div>
  );
}
