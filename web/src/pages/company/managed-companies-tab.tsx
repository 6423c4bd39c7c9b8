import { useRef, useState } from "react";
import { api, downloads } from "../../api/endpoints.ts";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { Pagination } from "../../components/pagination.tsx";
import { ListStates, ResultCount } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useDebounced } from "../../lib/use-debounced.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { useCompanyOutlet } from "./company-page.tsx";
import { CreateLinkedCompanyForm } from "./create-linked-company-form.tsx";
import { ManagedCompaniesTable } from "./managed-companies-table.tsx";

const PAGE_SIZE = 25;

/** How much of the allowance is used: the linked companies this company created itself (those the operator linked do not count). */
function allowanceText({ limit, used }: { limit: number; used: number }): string | null {
  // Without an allowance only the operator links companies: the table's count says everything.
  if (limit === 0) return null;
  // Worded apart from the table's count ("1 linked company"), which it used to repeat word for word.
  return `Allowance: ${used.toLocaleString()} of ${limit.toLocaleString()} created`;
}

/** The parent's linked companies: search, pages, the switch into each one the member manages, CSV, and new ones. */
export function ManagedCompaniesTab() {
  const me = useMe();
  const { company } = useCompanyOutlet();
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), 300);
  // The API pages forwards only: each page's `after` is kept so that Previous can go back.
  const [cursors, setCursors] = useState<string[]>([]);
  const [searched, setSearched] = useState(q);
  if (searched !== q) {
    setSearched(q);
    setCursors([]);
  }
  const after = cursors.at(-1);
  const [version, setVersion] = useState(0);
  const list = useResource(() => api.managedCompanies({ q, limit: PAGE_SIZE, ...(after ? { after } : {}) }), JSON.stringify([company.id, q, after, version]));
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const createButton = useRef<HTMLButtonElement>(null);

  if (!company.isMultiCompany || me.actingCompany.switched) {
    return <Notice tone="info">Managed companies are shown on the profile of a multi-company profile, in its own company.</Notice>;
  }

  const data = list.data;
  const mayCreate = me.capabilities.createLinkedCompanies;
  const canCreate = mayCreate && data !== null && data.allowance.used < data.allowance.limit;
  const first = cursors.length * PAGE_SIZE + 1;
  const range = data && data.companies.length > 0 && data.total > data.companies.length ? `${first}–${first + data.companies.length - 1} of ` : "";
  const updating = Boolean(data) && (list.loading || search.trim() !== q);

  return (
    <div>
      <h3 className="visually-hidden">Managed companies</h3>
      <div className="toolbar">
        <div className="toolbar-filters">
          <div className="field field-inline">
            <label htmlFor="managed-search">Search linked companies</label>
            <input
              id="managed-search"
              className="input"
              type="search"
              placeholder="Company name"
              autoComplete="off"
              spellCheck={false}
              value={search}
              aria-describedby="managed-count"
              onChange={(event) => setSearch(event.target.value)}
            />
          </div>
        </div>
        <div className="toolbar-actions">
          {data && data.allowance.limit > 0 ? <span className="allowance">{allowanceText(data.allowance)}</span> : null}
          <a className="button" href={downloads.managedCompaniesCsv} download>
            Download CSV
          </a>
          {canCreate && !creating ? (
            <button ref={createButton} type="button" className="button button-primary" onClick={() => setCreating(true)}>
              <span aria-hidden="true">+ </span>Create linked company
            </button>
          ) : null}
        </div>
      </div>
      {creating ? (
        <CreateLinkedCompanyForm
          parentName={company.name}
          onCancel={() => {
            setCreating(false);
            window.setTimeout(() => createButton.current?.focus(), 0);
          }}
          onCreated={({ companyName, adminEmail }) => {
            setCreating(false);
            setMessage({ tone: "success", text: `Invitation sent to ${adminEmail}. ${companyName} is now linked to ${company.name}.` });
            setVersion((n) => n + 1);
          }}
        />
      ) : null}

      <FormResult message={message} />
      {mayCreate && data && !canCreate && data.allowance.limit > 0 ? (
        <p className="card-note">Your company has used its allowance of linked companies. Ask the operator of this installation for more.</p>
      ) : null}
      <ResultCount id="managed-count" updating={updating}>
        {data ? `${range}${plural(data.total, "linked company", "linked companies")}` : ""}
      </ResultCount>

      <ListStates
        list={list}
        count={({ companies }) => companies.length}
        loadingLabel="Loading linked companies…"
        errorTitle="The linked companies could not be loaded"
        emptyTitle={q ? "No linked companies match" : "No linked companies yet"}
        emptyText={q ? "Try another name." : canCreate ? "Create the first one, or ask the operator to link an existing company." : "The operator of this installation links companies to yours."}
      >
        {({ companies }) => (
          <ManagedCompaniesTable companies={companies} caption={`Companies linked to ${company.name}${q ? `, matching “${q}”` : ""}`} busy={list.loading} onStale={list.reload} />
        )}
      </ListStates>
      {data && !list.error ? (
        <Pagination
          label="Linked companies pages"
          hasPrevious={cursors.length > 0}
          hasNext={data.nextCursor !== null}
          onPrevious={() => setCursors((stack) => stack.slice(0, -1))}
          onNext={() => {
            const next = data.nextCursor;
            if (next) setCursors((stack) => [...stack, next]);
          }}
        />
      ) : null}
    </div>
  );
}
