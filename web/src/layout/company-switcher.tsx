import { useCallback, useId, useRef, useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, messageOf } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import type { Me } from "../api/types.ts";
import { useDebounced } from "../lib/use-debounced.ts";
import { useResource } from "../lib/use-resource.ts";
import { useSession } from "../session/session.tsx";
import { useDismiss } from "../lib/use-dismiss.ts";

/** More than this many companies and the list gets a search field. */
const SEARCH_FROM = 8;
const LIMIT = 100;

interface Choice {
  id: string;
  name: string;
  /** The member's own company: reached by switching back, not by a grant. */
  own: boolean;
}

/**
 * The acting company in the header, and where else the member may act: their own company and the
 * linked companies they manage (the managed-companies list's `canManage`, computed by the server).
 * A disclosure button and a list of buttons: Tab moves through them, Escape closes and returns.
 * Only a multi-company profile's members get the menu; everyone else sees the name alone.
 */
export function CompanySwitcher({ me }: { me: Me }) {
  const { refresh, dismissAccessLost } = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), 250);
  const [switching, setSwitching] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const searchId = useId();
  const list = useResource(
    () => api.managedCompanies({ limit: LIMIT, ...(q ? { q } : {}) }).catch((failure: unknown) => {
      // Not a multi-company profile (or not allowed to list it): there is nowhere else to act.
      if (failure instanceof ApiError && (failure.status === 403 || failure.status === 404)) return null;
      throw failure;
    }),
    JSON.stringify([me.user.id, me.actingCompany.id, q, open]),
  );

  useDismiss(open, close, root, button);

  const data = list.data;
  const name = <span className="acting-company-name" title={me.actingCompany.name}>{me.actingCompany.name}</span>;
  if (data === null && !q) {
    return (
      <div className="acting-company">
        <span className="acting-company-label">Company</span> {name}
        <span className="visually-hidden">, switch company</span>
      </div>
    );
  }

  const linked: Choice[] = (data?.companies ?? []).filter((c) => c.canManage).map((c) => ({ id: c.id, name: c.name, own: false }));
  // The same prefix match the server applies to the linked companies.
  const ownMatches = !q || me.user.companyName.toLowerCase().startsWith(q.toLowerCase());
  const choices: Choice[] = [...(ownMatches ? [{ id: me.user.companyId, name: me.user.companyName, own: true }] : []), ...linked];
  const searchable = (data?.total ?? 0) + 1 >= SEARCH_FROM || q !== "";

  async function choose(choice: Choice) {
    if (switching || choice.id === me.actingCompany.id) {
      setOpen(false);
      return;
    }
    setSwitching(choice.id);
    setError(null);
    try {
      if (choice.own) await api.switchBack();
      else await api.switchInto(choice.id);
      dismissAccessLost();
      await refresh();
      setOpen(false);
      setSearch("");
      navigate("/company");
    } catch (failure) {
      const gone = failure instanceof ApiError && failure.status === 404;
      setError(gone ? `You cannot switch to ${choice.name}: you no longer manage it.` : messageOf(failure));
      list.reload();
    } finally {
      setSwitching(null);
    }
  }

  return (
    <div
      className="acting-company company-switcher"
      ref={root}
      onBlur={(event) => {
        if (!root.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="company-switcher-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="acting-company-label">Company</span> {name}
        <span className="visually-hidden">, switch company</span>
        <svg className="chevron" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
          <path d="M5 8l5 5 5-5" />
        </svg>
      </button>
      <div id={panelId} className="company-switcher-panel" hidden={!open}>
        {searchable ? (
          <div className="company-switcher-search">
            <label htmlFor={searchId} className="visually-hidden">
              Find a company
            </label>
            <input
              id={searchId}
              className="input"
              type="search"
              placeholder="Find a company"
              autoComplete="off"
              spellCheck={false}
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
          </div>
        ) : null}
        <p className="company-switcher-heading" id={`${panelId}-heading`}>
          Companies you can act in
        </p>
        <ul aria-labelledby={`${panelId}-heading`} aria-busy={list.loading || undefined}>
          {choices.map((choice) => {
            const current = choice.id === me.actingCompany.id;
            return (
              <li key={choice.id}>
                <button
                  type="button"
                  className="company-switcher-item"
                  aria-current={current || undefined}
                  aria-disabled={switching !== null || undefined}
                  onClick={() => void choose(choice)}
                >
                  <span className="company-switcher-item-name">{choice.name}</span>
                  <span className="company-switcher-item-note">
                    {current ? "Current" : choice.own ? "Your company" : switching === choice.id ? "Switching…" : "Linked"}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
        {choices.length === 0 && !list.loading ? <p className="company-switcher-empty">No company matches “{q}”.</p> : null}
        {data && data.total > LIMIT && !q ? <p className="company-switcher-empty">Showing the first {LIMIT}: search to find the others.</p> : null}
        {error ? (
          <p className="company-switcher-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
    </div>
  );
}
