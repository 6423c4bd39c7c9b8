import { sql } from "drizzle-orm";
import { preparedStatement, type Executor } from "../../db/client.ts";
import type { CompanyAccess } from "./account-for-token.ts";

const param = (name: string) => sql.placeholder(name);

const liveGrant = preparedStatement<{ acting_company_id: string; access: CompanyAccess }, { grantId: string; userId: string; now: Date }>("oidc_live_grant", sql`
    select acting_company_id, access from oidc_grants
    where grant_id = ${param("grantId")} and user_id::text = ${param("userId")} and revoked_at is null and expires_at > ${param("now")}`);

/** Latchkey's live row of a provider grant, for single sign-on's reuse of it. */
export async function liveGrantFor(db: Executor, input: { grantId: string; userId: string; now: Date }) {
  const [row] = await liveGrant(db, input);
  return row ? { actingCompanyId: row.acting_company_id, access: row.access } : null;
}
