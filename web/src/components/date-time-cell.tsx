import { splitDateTime } from "../lib/format.ts";

/** A date and its time; `dateOnly` shows the date alone (the time stays in the tooltip and the `datetime`), for a crowded table's less important column. */
export function DateTimeCell({ value, dateOnly = false }: { value: string | null; dateOnly?: boolean }) {
  const parts = value ? splitDateTime(value) : null;
  if (!value || !parts) return <span className="muted">—</span>;
  if (dateOnly) {
    return (
      <time dateTime={value} className="cell-nowrap" title={`${parts.date}, ${parts.time}`}>
        {parts.date}
      </time>
    );
  }
  return (
    <time dateTime={value} className="cell-nowrap">
      {parts.date}
      <span className="cell-note">{parts.time}</span>
    </time>
  );
}
