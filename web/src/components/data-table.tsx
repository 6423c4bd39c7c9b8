import type { ReactNode } from "react";

/** A column header: its text, or a header read only by screen readers (an actions column), or a class (numbers). */
export type Column = string | { label: string; visuallyHidden?: boolean; className?: string; sort?: ColumnSort; content?: ReactNode };

/** A column the reader may order by: its header becomes a button, and says the order it is in. */
export interface ColumnSort {
  state: "ascending" | "descending" | "none";
  onSort: () => void;
}

interface DataTableProps {
  caption: string | ReactNode;
  /** `false` leaves a column out (one shown only to those who may act). */
  columns: ReadonlyArray<Column | false>;
  busy?: boolean;
  wrapClassName?: string;
  tableClassName?: string;
  /** Wide tables scroll sideways on narrow screens: as a labelled region the wrapper takes focus so keyboards can scroll it. */
  regionLabel?: string;
  /** Rendered inside the wrapper after the table: a dialog that acts on the rows. */
  extra?: ReactNode;
  children: ReactNode;
}

function HeaderCell({ column }: { column: Column }) {
  if (typeof column === "string") return <th scope="col">{column}</th>;
  // A control in place of the text (a "select all" box): it names itself.
  if (column.content) {
    return (
      <th scope="col" className={column.className}>
        {column.content}
      </th>
    );
  }
  if (column.sort) {
    const { state, onSort } = column.sort;
    return (
      <th scope="col" className={column.className} aria-sort={state}>
        <button type="button" className="sort-button" onClick={onSort}>
          {column.label}
          <span aria-hidden="true" className="sort-mark">
            {state === "ascending" ? " ▲" : state === "descending" ? " ▼" : " ↕"}
          </span>
        </button>
      </th>
    );
  }
  return (
    <th scope="col" className={column.className}>
      {column.visuallyHidden ? <span className="visually-hidden">{column.label}</span> : column.label}
    </th>
  );
}

/** The dashboard's tables: a caption for screen readers, one header row, the rows given as children. */
export function DataTable({ caption, columns, busy, wrapClassName, tableClassName, regionLabel, extra, children }: DataTableProps) {
  const region = regionLabel === undefined ? {} : { tabIndex: 0, role: "region", "aria-label": regionLabel };
  return (
    <div className={wrapClassName ? `table-wrap ${wrapClassName}` : "table-wrap"} aria-busy={busy || undefined} {...region}>
      <table className={tableClassName ? `table ${tableClassName}` : "table"}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) =>
              column === false ? null : <HeaderCell key={typeof column === "string" ? column : column.label} column={column} />,
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
      {extra}
    </div>
  );
}
