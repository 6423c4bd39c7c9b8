import { ACTION_GROUPS } from "./audit-labels.ts";

export interface FilterValues {
  /** "own", "all" (own and linked companies) or one linked company's id. */
  company: string;
  actor: string;
  action: string;
  from: string;
  to: string;
}

interface Props {
  values: FilterValues;
  ownCompany: string;
  linked: Array<{ id: string; name: string }>;
  dateError: string | null;
  onChange: (name: keyof FilterValues, value: string) => void;
  /** Shown when any filter is set. */
  onClear: (() => void) | null;
}

/** Company, actor, action and dates; each change applies at once (the actor after a pause in typing). */
export function AuditFilters({ values, ownCompany, linked, dateError, onChange, onClear }: Props) {
  return (
    <div className="filters" role="group" aria-label="Filters">
      <div className="field">
        <label htmlFor="audit-company">Company</label>
        <select id="audit-company" className="input select" value={values.company} onChange={(event) => onChange("company", event.target.value)}>
          <option value="own">{ownCompany}</option>
          {linked.length > 0 ? <option value="all">{ownCompany} and its linked companies</option> : null}
          {linked.length > 0 ? (
            <optgroup label="Linked companies">
              {linked.map((company) => (
                <option key={company.id} value={company.id}>
                  {company.name}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-actor">Actor</label>
        <input
          id="audit-actor"
          className="input"
          type="search"
          placeholder="Email or name"
          autoComplete="off"
          spellCheck={false}
          value={values.actor}
          onChange={(event) => onChange("actor", event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" className="input select" value={values.action} onChange={(event) => onChange("action", event.target.value)}>
          <option value="">Any action</option>
          {ACTION_GROUPS.map((group) => (
            <optgroup key={group.label} label={group.label}>
              {group.actions.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-from">From</label>
        <input id="audit-from" className="input" type="date" value={values.from} max={values.to || undefined} onChange={(event) => onChange("from", event.target.value)} />
      </div>
      <div className={dateError ? "field field-invalid" : "field"}>
        <label htmlFor="audit-to">To</label>
        <input
          id="audit-to"
          className="input"
          type="date"
          value={values.to}
          min={values.from || undefined}
          aria-invalid={dateError ? true : undefined}
          aria-describedby={dateError ? "audit-to-error" : undefined}
          onChange={(event) => onChange("to", event.target.value)}
        />
        {dateError ? (
          <p id="audit-to-error" className="field-error">
            <span className="visually-hidden">Error: </span>
            {dateError}
          </p>
        ) : null}
      </div>
      {onClear ? (
        <button type="button" className="button button-quiet filters-reset" onClick={onClear}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
