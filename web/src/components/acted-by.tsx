import type { Role } from "../api/types.ts";
import { ROLE_LABELS } from "../lib/format.ts";

/** A person of a company (or a team member of its parent), or a company's API client. */
export interface ActedByPerson {
  kind: "administrator" | "team_member" | "integration";
  name: string;
  role: Role;
  companyName: string;
}

/** Who acted on a user, in a history table's cell: the name, then their role and company underneath. */
export function ActedBy({ by }: { by: ActedByPerson }) {
  return (
    <span>
      {by.name}
      <span className="cell-note">
        {by.kind === "integration" ? `API client of ${by.companyName}` : `${ROLE_LABELS[by.role]}, ${by.companyName}${by.kind === "team_member" ? " (team member)" : ""}`}
      </span>
    </span>
  );
}
