import type { WebhookEventGroup } from "../../../api/types.ts";

/** The catalogue as grouped checkboxes, one fieldset per group with a "select all" of its own. */
export function EventCheckboxes({ groups, selected, onChange, error }: { groups: WebhookEventGroup[]; selected: Set<string>; onChange: (next: Set<string>) => void; error?: string | undefined }) {
  const toggle = (types: string[], on: boolean) => {
    const next = new Set(selected);
    for (const type of types) {
      if (on) next.add(type);
      else next.delete(type);
    }
    onChange(next);
  };
  return (
    <fieldset className={error ? "event-picker field-invalid" : "event-picker"} aria-describedby={error ? "events-error" : undefined}>
      <legend>Events to send</legend>
      {error ? (
        <p id="events-error" className="field-error">
          <span className="visually-hidden">Error: </span>
          {error}
        </p>
      ) : null}
      <div className="event-groups">
        {groups.map((group) => {
          const types = group.events.map((e) => e.type);
          const all = types.every((type) => selected.has(type));
          return (
            <fieldset key={group.id} className="event-group">
              <legend>{group.label}</legend>
              <label className="check check-all">
                <input type="checkbox" checked={all} onChange={(event) => toggle(types, event.target.checked)} />
                All {group.label.toLowerCase()} events
              </label>
              {group.events.map((event) => (
                <label key={event.type} className="check">
                  <input type="checkbox" checked={selected.has(event.type)} onChange={(e) => toggle([event.type], e.target.checked)} aria-describedby={`event-${event.type.replace(/\W/g, "-")}`} />
                  <code>{event.type}</code>
                  <span id={`event-${event.type.replace(/\W/g, "-")}`} className="check-hint">
                    {event.description}
                  </span>
                </label>
              ))}
            </fieldset>
          );
        })}
      </div>
    </fieldset>
  );
}
