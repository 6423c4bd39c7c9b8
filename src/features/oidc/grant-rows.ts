import { sql } from "drizzle-orm";
import { preparedStatement, queryRows, type Executor } from "../../db/client.ts";
import { AUDIT_INSERT, auditPlaceholders, type AuditEventInput } from "../audit/record-audit-event.ts";
import { recordWebhookEvents } from "../audit/record-webhook-events.ts";
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

export type NewGrantRow = {
  grantId: string;
  userId: string;
  clientId: string;
  sessionId: string | null;
  actingCompanyId: string;
  access: CompanyAccess;
  scope: string;
  createdAt: Date;
  expiresAt: Date;
};

const insertGrant = preparedStatement<never, NewGrantRow & ReturnType<typeof auditPlaceholders>>("oidc_grant_insert", sql`
    with inserted as (
      insert into oidc_grants (grant_id, user_id, client_id, session_id, acting_company_id, access, scope, created_at, expires_at)
      values (${param("grantId")}, ${param("userId")}::uuid, ${param("clientId")}, ${param("sessionId")}::uuid, ${param("actingCompanyId")}::uuid,
              ${param("access")}, ${param("scope")}, ${param("createdAt")}::timestamptz, ${param("expiresAt")}::timestamptz)
    )
    ${AUDIT_INSERT}`);

/**
 * Latchkey's row of a new provider grant, its audit row (one statement) and the webhook event the
 * sign-in is (user.signed_in_to_application): one transaction, so all or none.
 */
export async function insertGrantRow(db: Executor, row: NewGrantRow, audit: AuditEventInput): Promise<void> {
  await db.transaction(async (tx) => {
    await insertGrant(tx, { ...row, ...auditPlaceholders(audit) });
    await recordWebhookEvents(tx, audit);
  });
}

/** Whose grant, acting where, in whatever state: for an audit row the request itself did not load an account for (a revocation). */
export async function grantCompaniesOf(db: Executor, grantId: string): Promise<{ userCompanyId: string; actingCompanyId: string } | null> {
  const rows = await queryRows<{ user_company_id: string; acting_company_id: string }>(db, sql`
    select u.company_id as user_company_id, og.acting_company_id from oidc_grants og join users u on u.id = og.user_id where og.grant_id = ${grantId}`);
  const row = rows[0];
  return row ? { userCompanyId: row.user_company_id, actingCompanyId: row.acting_company_id } : null;
}
