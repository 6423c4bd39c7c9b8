import { Outlet, useOutletContext } from "react-router-dom";
import { api } from "../../api/endpoints.ts";
import type { CompanyResponse } from "../../api/types.ts";
import { PageHeader } from "../../components/page-header.tsx";
import { ErrorState, LoadingState } from "../../components/states.tsx";
import { RouteTabs, type TabItem } from "../../components/tabs.tsx";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe, useSession } from "../../session/session.tsx";
import { CompanyDetails } from "./company-details.tsx";
import { DangerZone } from "./danger-zone.tsx";
import { SecondFactorPolicyCard } from "./second-factor-policy.tsx";

export interface CompanyOutletContext {
  company: CompanyResponse["company"];
}

export function useCompanyOutlet(): CompanyOutletContext {
  return useOutletContext<CompanyOutletContext>();
}

/**
 * The tabs of the "Extra" section: the users, then the parent's linked companies (a multi-company
 * profile, in its own company) or who of the parent can act here (a linked company).
 */
function extraTabs(company: CompanyResponse["company"], switched: boolean, capabilities: { manageApiClients: boolean; manageWebhooks: boolean }): TabItem[] {
  const tabs: TabItem[] = [{ to: "/company/users", label: `${company.name} users`, alsoAt: ["/company"] }];
  if (company.isMultiCompany && !switched) tabs.push({ to: "/company/managed-companies", label: "Managed companies" });
  if (company.parent) tabs.push({ to: "/company/team-members", label: "Team members with access" });
  if (capabilities.manageApiClients) tabs.push({ to: "/company/api-clients", label: "API clients" });
  if (capabilities.manageWebhooks) tabs.push({ to: "/company/integrations", label: "Integrations" });
  return tabs;
}

export function CompanyPage() {
  const me = useMe();
  const { refresh } = useSession();
  const resource = useResource(() => api.company(), me.actingCompany.id);
  usePageTitle(resource.data ? resource.data.company.name : "Company profile");

  if (resource.loading && !resource.data) {
    return (
      <>
        <PageHeader eyebrow="Company profile" title={me.actingCompany.name} />
        <LoadingState label="Loading the company profile…" />
      </>
    );
  }
  if (!resource.data) {
    return (
      <>
        <PageHeader eyebrow="Company profile" title={me.actingCompany.name} />
        <ErrorState error={resource.error} onRetry={resource.reload} />
      </>
    );
  }

  const { company, permissions } = resource.data;
  const context: CompanyOutletContext = { company };
  return (
    <>
      <PageHeader
        eyebrow="Company profile"
        title={company.name}
        description={
          company.parent ? (
            <p>
              Linked company, managed by <strong>{company.parent.name}</strong>
            </p>
          ) : company.isMultiCompany ? (
            <p>Multi-company profile</p>
          ) : null
        }
      />
      <CompanyDetails
        company={company}
        permissions={permissions}
        onSaved={(updated) => {
          resource.setData(updated);
          // The header shows the company's name: read it again after a rename.
          void refresh();
        }}
      />
      <SecondFactorPolicyCard company={company} permissions={permissions} onSaved={resource.setData} />
      <section className="extra" aria-labelledby="extra-heading">
        <h2 id="extra-heading" className="section-title">
          Extra
        </h2>
        <RouteTabs label={`${company.name} sections`} tabs={extraTabs(company, me.actingCompany.switched, me.capabilities)} />
        <div className="tab-panel">
          <Outlet context={context} />
        </div>
      </section>
      {permissions.delete ? <DangerZone company={company} /> : null}
    </>
  );
}
