import { PageHeader } from "../../components/page-header.tsx";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useMe } from "../../session/session.tsx";
import { UsersList } from "./users-list.tsx";

/** The Users navigation item: the acting company's users on a page of their own (issue 19, item 5). */
export function UsersPage() {
  const me = useMe();
  usePageTitle("Users");
  return (
    <>
      <PageHeader title="Users" eyebrow={me.actingCompany.name} />
      <UsersList companyId={me.actingCompany.id} companyName={me.actingCompany.name} />
    </>
  );
}
