import { splitDateTime } from "../lib/format.ts";

export function DateTimeCell({ value }: { value: string | null }) {
  const parts = value ? splitDateTime(value) : null;
  if (!value || !parts) return <span className="muted">—</span>;
  return (
    <time dateTime={value} className="cell-nowrap">
      {parts.date}
      <span className="cell-note">{parts.time}</span>
    </time>
  );
}
