import { useCompanyOutlet } from "../company/company-page.tsx";
import { UsersList } from "./users-list.tsx";

/** The "<Company> users" tab of the company profile's extra section, as the seeds describe it. */
export function UsersTab() {
  const { company } = useCompanyOutlet();
  return (
    <>
      <h3 className="visually-hidden">{company.name} users</h3>
      <UsersList companyId={company.id} companyName={company.name} />
    </>
  );
}
