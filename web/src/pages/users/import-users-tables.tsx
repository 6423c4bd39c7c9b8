import type { ImportPreviewRow, ImportResults } from "../../api/types.ts";
import { RoleLabel } from "../../components/badges.tsx";
import { DataTable } from "../../components/data-table.tsx";

/** The file as the server read it: a line per user, its problem in words or "Ready". */
export function ImportPreviewTable({ rows }: { rows: ImportPreviewRow[] }) {
  return (
    <DataTable caption="The users in the file, as they will be invited" columns={["Line", "Name", "Email", "Role", "Check"]} regionLabel="Users in the file" wrapClassName="import-table">
      {rows.map((row) => (
        <tr key={row.line} className={row.ok ? undefined : "import-row-error"}>
          <td className="import-line">{row.line}</td>
          <td className="import-cell">{row.name || <span className="muted">(empty)</span>}</td>
          <td className="import-cell">{row.email || <span className="muted">(empty)</span>}</td>
          <td>
            <RoleLabel role={row.role} />
          </td>
          <td className="import-cell">{row.ok ? <span className="badge badge-success">Ready</span> : <span className="import-error">{row.error?.message ?? "Error"}</span>}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** After confirming: the rows a limit or a race refused, by name and reason; then who was invited. */
export function ImportResultList({ results }: { results: ImportResults }) {
  const failed = results.rows.filter((row) => !row.ok);
  const invited = results.rows.filter((row) => row.ok);
  return (
    <>
      {failed.length > 0 ? (
        <ul className="bulk-results">
          {failed.map((row) => (
            <li key={row.line}>
              Line {row.line}, <strong>{row.name}</strong> ({row.email}): {row.error?.message ?? "not created"}
            </li>
          ))}
        </ul>
      ) : null}
      {invited.length > 0 ? (
        <details className="import-invited">
          <summary>Who was invited ({invited.length})</summary>
          <ul className="bulk-results">
            {invited.map((row) => (
              <li key={row.line}>
                <strong>{row.name}</strong> ({row.email})
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}
