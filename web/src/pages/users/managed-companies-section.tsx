import { useState } from "react";
import { messageOf } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { MemberGrants, UserDetail } from "../../api/types.ts";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";

type GrantRow = MemberGrants["companies"][number];

// Past this many linked companies, a filter saves scrolling through every checkbox.
const FILTER_FROM = 12;

/**
 * A team member's management grants: one checkbox per linked company of the parent. Only shown on
 * a multi-company profile, for managers and administrators; the server says which boxes the
 * viewer may change (companies they manage themselves, never their own).
 */
export function ManagedCompaniesSection({ user }: { user: UserDetail }) {
  const me = useMe();
  const loaded = useResource(async () => {
    const [{ company }, grants] = await Promise.all([api.company(), api.memberGrants(user.id)]);
    return { isMultiCompany: company.isMultiCompany, grants };
  }, `${user.id}|${user.role}|${user.status}`);
  const [pending, setPending] = useState<string | null>(null);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [filter, setFilter] = useState("");

  if (loaded.data && !loaded.data.isMultiCompany) return null;
  const grants = loaded.data?.grants;

  async function toggle(row: GrantRow, give: boolean) {
    const base = loaded.data;
    if (!base || pending) return;
    setPending(row.id);
    setMessage(null);
    const update = (granted: boolean) => ({ ...base, grants: { ...base.grants, companies: base.grants.companies.map((c) => (c.id === row.id ? { ...c, granted } : c)) } });
    loaded.setData(update(give));
    try {
      if (give) await api.giveGrant(user.id, row.id);
      else await api.revokeGrant(user.id, row.id);
      setMessage({
        tone: "success",
        text: give ? `${user.name} can now manage ${row.name}.` : `${user.name} can no longer manage ${row.name}. This takes effect on their next request.`,
      });
    } catch (error) {
      loaded.setData(update(!give));
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setPending(null);
    }
  }

  const companies = grants?.companies ?? [];
  const granted = grants ? (grants.implicitAccess ? companies.length : companies.filter((c) => c.granted).length) : 0;
  const shown = filter.trim() ? companies.filter((c) => c.name.toLowerCase().includes(filter.trim().toLowerCase())) : companies;
  const someFixed = grants !== undefined && !grants.implicitAccess && companies.some((c) => !c.canChange);

  return (
    <section className="card" aria-labelledby="managed-companies-heading">
      <div className="card-header">
        <h2 id="managed-companies-heading">Managed companies</h2>
        {grants && companies.length > 0 ? <span className="card-meta">{`Manages ${granted.toLocaleString()} of ${companies.length.toLocaleString()}`}</span> : null}
      </div>
      <ListStates
        list={loaded}
        count={() => companies.length}
        loadingLabel="Loading managed companies…"
        errorTitle="The managed companies could not be loaded"
        emptyTitle="No linked companies yet"
        emptyText={<>Once companies are linked to {me.user.companyName}, you can choose here which of them {user.name} manages.</>}
        keepOnError
      >
        {({ grants }) => (
          <>
            {grants.implicitAccess ? (
              <Notice tone="info">Administrators manage every linked company. Grants are given to managers.</Notice>
            ) : (
              <p className="card-note">
                {user.name} can switch into the companies ticked here and manage their users, with the rights of their own role.
                {someFixed ? (user.id === me.user.id ? " Nobody changes their own managed companies." : " You can change only companies you manage yourself.") : ""}
              </p>
            )}
            {companies.length > FILTER_FROM ? (
              <div className="field field-inline">
                <label htmlFor="grants-filter">Filter companies</label>
                <input id="grants-filter" className="input" type="search" autoComplete="off" value={filter} onChange={(event) => setFilter(event.target.value)} />
              </div>
            ) : null}
            <fieldset className="grant-fieldset">
              <legend>Linked companies {user.name} manages</legend>
              <ul className="grant-list">
                {shown.map((row) => (
                  <li key={row.id}>
                    <label className="checkbox">
                      <input
                        type="checkbox"
                        checked={grants.implicitAccess || row.granted}
                        disabled={grants.implicitAccess || !row.canChange}
                        aria-describedby={pending === row.id ? "grants-pending" : undefined}
                        onChange={(event) => void toggle(row, event.target.checked)}
                      />
                      <span>{row.name}</span>
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
          </>
        )}
      </ListStates>
      {pending ? (
        <p id="grants-pending" className="visually-hidden">
          Saving…
        </p>
      ) : null}
      <FormResult message={message} />
    </section>
  );
}
