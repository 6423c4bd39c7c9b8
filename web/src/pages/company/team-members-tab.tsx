import { api } from "../../api/endpoints.ts";
import type { TeamMemberAccess } from "../../api/types.ts";
import { RoleLabel } from "../../components/badges.tsx";
import { DataTable } from "../../components/data-table.tsx";
import { Notice } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { plural } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useCompanyOutlet } from "./company-page.tsx";

function Access({ member }: { member: TeamMemberAccess }) {
  if (!member.hasAccess) return <span className="badge badge-neutral">No</span>;
  return (
    <span className="cell-nowrap">
      <span className="badge badge-success">Yes</span> <span className="muted">{member.via === "administrator" ? "as administrator" : "by grant"}</span>
    </span>
  );
}

/** A linked company's profile: every team member of its parent, and whether they can act here now. */
export function TeamMembersTab() {
  const { company } = useCompanyOutlet();
  const list = useResource(() => api.teamMembersWithAccess(), company.id);
  const parentName = company.parent?.name ?? list.data?.parent?.name ?? "the parent company";

  if (!company.parent) {
    return <Notice tone="info">{company.name} is not linked to a multi-company profile, so no team members have access to it.</Notice>;
  }
  const data = list.data;
  const withAccess = data?.members.filter((m) => m.hasAccess).length ?? 0;
  return (
    <div>
      <h3 className="visually-hidden">Team members with access</h3>
      <p className="card-note">
        Team members of {parentName} who can switch into {company.name} and manage its users: its administrators always, its managers once given a management grant.
      </p>
      <p className="result-count" aria-live="polite">
        {data ? `${plural(data.members.length, "team member")}, ${withAccess.toLocaleString()} with access` : ""}
      </p>
      <ListStates
        list={list}
        count={({ members }) => members.length}
        loadingLabel="Loading team members…"
        errorTitle="The team members could not be loaded"
        emptyTitle={`${parentName} has no team members`}
      >
        {({ members }) => (
          <DataTable
            caption={<>Team members of {parentName} and their access to {company.name}</>}
            busy={list.loading}
            columns={["Name", "Email", "Role", "Access"]}
          >
            {members.map((member) => (
              <tr key={member.id}>
                <th scope="row" className="cell-strong">
                  {member.name}
                </th>
                <td className="cell-email">{member.email}</td>
                <td>
                  <RoleLabel role={member.role} />
                </td>
                <td>
                  <Access member={member} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ListStates>
    </div>
  );
}
