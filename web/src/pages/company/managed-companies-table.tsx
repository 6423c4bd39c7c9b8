import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, messageOf } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { ManagedCompany } from "../../api/types.ts";
import { DateTimeCell } from "../../components/date-time-cell.tsx";
import { DataTable } from "../../components/data-table.tsx";
import { FormResult, type FormMessage } from "../../components/notice.tsx";
import { useSession } from "../../session/session.tsx";

interface Props {
  companies: ManagedCompany[];
  caption: string;
  busy: boolean;
  /** A switch refused because access just ended: the list's switch buttons are out of date. */
  onStale: () => void;
}

function SwitchIcon() {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M7 7h11l-3-3M17 17H6l3 3" />
    </svg>
  );
}

/** Name, users, created, last login; the switch button only where the member may manage the company. */
export function ManagedCompaniesTable({ companies, caption, busy, onStale }: Props) {
  const { refresh, dismissAccessLost } = useSession();
  const navigate = useNavigate();
  const [switching, setSwitching] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage | null>(null);

  async function switchInto(company: ManagedCompany) {
    if (switching) return;
    setSwitching(company.id);
    setMessage(null);
    try {
      await api.switchInto(company.id);
      dismissAccessLost();
      await refresh();
      navigate("/company");
    } catch (error) {
      const gone = error instanceof ApiError && error.status === 404;
      setMessage({ tone: "error", text: gone ? `You cannot switch to ${company.name}: you no longer manage it.` : messageOf(error) });
      if (gone) onStale();
      setSwitching(null);
    }
  }

  return (
    <>
      <FormResult message={message} />
      <DataTable
        caption={caption}
        busy={busy}
        columns={["Name", { label: "Users", className: "cell-number" }, "Created", "Last login", { label: "Switch", visuallyHidden: true }]}
      >
        {companies.map((company) => (
          <tr key={company.id}>
            <th scope="row">
              {company.canManage ? (
                // A real link to where the switch leads, so it reads and opens like one; the click switches first.
                <a
                  href="/company"
                  className="cell-strong-text"
                  onClick={(event) => {
                    event.preventDefault();
                    void switchInto(company);
                  }}
                >
                  {company.name}
                </a>
              ) : (
                <span className="cell-strong-text">{company.name}</span>
              )}
            </th>
            <td className="cell-number">{company.userCount.toLocaleString()}</td>
            <td>
              <DateTimeCell value={company.createdAt} />
            </td>
            <td>
              <DateTimeCell value={company.lastLoginAt} />
            </td>
            <td className="cell-actions">
              {company.canManage ? (
                <button
                  type="button"
                  className="button button-small"
                  aria-label={`Switch to ${company.name}`}
                  aria-disabled={switching !== null || undefined}
                  onClick={() => void switchInto(company)}
                >
                  <SwitchIcon />
                  {switching === company.id ? "Switching…" : "Switch"}
                </button>
              ) : (
                <span className="cell-note">No access</span>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
