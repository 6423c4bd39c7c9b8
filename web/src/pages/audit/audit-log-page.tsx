import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ApiError, messageOf } from "../../api/client.ts";
import { api, downloads } from "../../api/endpoints.ts";
import type { AuditEvent, AuditFilters as ApiFilters } from "../../api/types.ts";
import { Notice } from "../../components/notice.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { ListStates, ResultCount } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useDebounced } from "../../lib/use-debounced.ts";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { AuditFilters, type FilterValues } from "./audit-filters.tsx";
import { AuditTable } from "./audit-table.tsx";

const PAGE_SIZE = 50;
const FILTER_NAMES: Array<keyof FilterValues> = ["company", "actor", "action", "from", "to"];

/** The linked companies for the company filter (none for a company that is not a multi-company profile). */
async function loadLinked(): Promise<Array<{ id: string; name: string }>> {
  const found: Array<{ id: string; name: string }> = [];
  let after: string | undefined;
  try {
    // A select is no place for thousands of names: the first 2,000 cover any real parent.
    for (let page = 0; page < 20; page += 1) {
      const result = await api.managedCompanies({ limit: 100, ...(after ? { after } : {}) });
      found.push(...result.companies.map(({ id, name }) => ({ id, name })));
      if (!result.nextCursor) break;
      after = result.nextCursor;
    }
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "NOT_MULTI_COMPANY")) throw error;
  }
  return found;
}

/** A date field (the browser's own day) as the instant it starts; `to` includes its whole day. */
function dayStart(value: string, plusDays = 0): string | undefined {
  const [y, m, d] = value.split("-").map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function apiFilters(values: FilterValues, actor: string): ApiFilters {
  const filters: ApiFilters = {};
  if (values.company === "all") filters.includeLinked = "true";
  else if (values.company !== "own") filters.companyId = values.company;
  if (actor) filters.actor = actor;
  if (values.action) filters.action = values.action;
  const from = values.from ? dayStart(values.from) : undefined;
  const to = values.to ? dayStart(values.to, 1) : undefined;
  if (from) filters.from = from;
  if (to) filters.to = to;
  return filters;
}

export function AuditLogPage() {
  usePageTitle("Audit log");
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const [actorText, setActorText] = useState(params.get("actor") ?? "");
  const values: FilterValues = { company: params.get("company") ?? "own", actor: actorText, action: params.get("action") ?? "", from: params.get("from") ?? "", to: params.get("to") ?? "" };
  const actor = useDebounced(actorText.trim(), 300);
  const dateError = values.from && values.to && values.from > values.to ? "The end date is before the start date." : null;
  const filters = apiFilters(values, actor);
  const key = JSON.stringify(filters);
  const mayView = me.capabilities.viewAuditLog;

  const linked = useResource(() => (mayView ? loadLinked() : Promise.resolve([])), me.user.companyId);
  const first = useResource(() => (mayView && !dateError ? api.auditEvents({ ...filters, limit: PAGE_SIZE }) : Promise.resolve(null)), `${key}|${dateError}`);
  const [older, setOlder] = useState<{ key: string; events: AuditEvent[]; nextBefore: number | null } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);

  if (!mayView) {
    return (
      <>
        <PageHeader title="Audit log" />
        <Notice tone="warning" title="Your role does not allow this">
          Only administrators can view the audit log.
        </Notice>
      </>
    );
  }

  function change(name: keyof FilterValues, value: string) {
    if (name === "actor") setActorText(value);
    const next = new URLSearchParams(params);
    const stored = name === "actor" ? value.trim() : value;
    if (stored && !(name === "company" && stored === "own")) next.set(name, stored);
    else next.delete(name);
    setParams(next, { replace: true, state: { keepFocus: true } });
  }

  const page = first.data;
  const extra = older?.key === key ? older : null;
  const events = page ? [...page.events, ...(extra?.events ?? [])] : [];
  const nextBefore = extra ? extra.nextBefore : (page?.nextBefore ?? null);
  const filtered = FILTER_NAMES.some((name) => (name === "company" ? values.company !== "own" : values[name] !== ""));
  const updating = Boolean(page) && (first.loading || actorText.trim() !== actor);

  async function loadOlder() {
    if (loadingOlder || nextBefore === null) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const result = await api.auditEvents({ ...filters, before: nextBefore, limit: PAGE_SIZE });
      setOlder({ key, events: [...(extra?.events ?? []), ...result.events], nextBefore: result.nextBefore });
    } catch (error) {
      setOlderError(messageOf(error));
    } finally {
      setLoadingOlder(false);
    }
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description={<p>Security-relevant actions in {me.user.companyName}{linked.data && linked.data.length > 0 ? " and its linked companies" : ""}, newest first.</p>}
        actions={
          <a className="button" href={downloads.auditCsv(filters)} download>
            Download CSV
          </a>
        }
      />
      <section className="card" aria-label="Audit events">
        <AuditFilters
          values={values}
          ownCompany={me.user.companyName}
          linked={linked.data ?? []}
          dateError={dateError}
          onChange={change}
          onClear={
            filtered
              ? () => {
                  setActorText("");
                  setParams(new URLSearchParams(), { replace: true, state: { keepFocus: true } });
                  document.getElementById("audit-company")?.focus();
                }
              : null
          }
        />
        <ResultCount updating={updating}>{page ? `${plural(events.length, "event")} shown${nextBefore !== null ? ", more are older" : ""}` : ""}</ResultCount>
        <ListStates
          list={first}
          count={() => events.length}
          loadingLabel="Loading the audit log…"
          errorTitle="The audit log could not be loaded"
          emptyTitle={filtered ? "No events match these filters" : "No events yet"}
          emptyText={filtered ? "Widen the dates, or choose another company, actor or action." : "Sign-ins, resets and changes to users will be listed here."}
        >
          {() => <AuditTable events={events} caption="Audit events, newest first" busy={first.loading} />}
        </ListStates>
        {olderError ? <Notice tone="error">{olderError}</Notice> : null}
        {page && nextBefore !== null && !first.error ? (
          <div className="load-more">
            <button type="button" className="button" aria-disabled={loadingOlder || undefined} onClick={() => void loadOlder()}>
              {loadingOlder ? "Loading…" : "Load older events"}
            </button>
          </div>
        ) : null}
      </section>
    </>
  );
}
