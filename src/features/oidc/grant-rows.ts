import { sql } from "drizzle-orm";
import { preparedStatement, queryRows, type Executor } from "../../db/client.ts";
import { AUDIT_INSERT, auditPlaceholders, type AuditEventInput } from "../audit/record-audit-event.ts";
import { webhookDeliveriesWritten } from "../audit/webhook-nudge.ts";
import { WEBHOOK_DELIVERIES_INSERT, WEBHOOK_EVENT_CTES, singleWebhookEventOf, webhookPlaceholders } from "../audit/record-webhook-events.ts";
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

type GrantValues = NewGrantRow & ReturnType<typeof auditPlaceholders>;

const GRANT_AND_AUDIT = sql`
    inserted as (
      insert into oidc_grants (grant_id, user_id, client_id, session_id, acting_company_id, access, scope, created_at, expires_at)
      values (${param("grantId")}, ${param("userId")}::uuid, ${param("clientId")}, ${param("sessionId")}::uuid, ${param("actingCompanyId")}::uuid,
              ${param("access")}, ${param("scope")}, ${param("createdAt")}::timestamptz, ${param("expiresAt")}::timestamptz)
    )`;

const insertGrant = preparedStatement<never, GrantValues>("oidc_grant_insert", sql`
    with ${GRANT_AND_AUDIT}
    ${AUDIT_INSERT}`);

/** The same, with the webhook event the sign-in is (user.signed_in_to_application) in the same statement. */
const insertGrantAnnounced = preparedStatement<{ written: number }, GrantValues & ReturnType<typeof webhookPlaceholders>>("oidc_grant_insert_announced", sql`
    with ${GRANT_AND_AUDIT}, audited as (${AUDIT_INSERT} returning 1), ${WEBHOOK_EVENT_CTES}
    ${WEBHOOK_DELIVERIES_INSERT}`);

/**
 * Latchkey's row of a new provider grant, its audit row and the webhook event it is: one statement,
 * so all or none (decision 0032).
 */
export async function insertGrantRow(db: Executor, row: NewGrantRow, audit: AuditEventInput): Promise<void> {
  const values = { ...row, ...auditPlaceholders(audit) };
  const type = singleWebhookEventOf(audit);
  if (!type) return void (await insertGrant(db, values));
  const written = await insertGrantAnnounced(db, { ...values, ...webhookPlaceholders(type, audit) });
  if (written.length > 0) webhookDeliveriesWritten();
}

/** Whose grant, acting where, in whatever state: for an audit row the request itself did not load an account for (a revocation). */
export async function grantCompaniesOf(db: Executor, grantId: string): Promise<{ userCompanyId: string; actingCompanyId: string } | null> {
  const rows = await queryRows<{ user_company_id: string; acting_company_id: string }>(db, sql`
    select u.company_id as user_company_id, og.acting_company_id from oidc_grants og join users u on u.id = og.user_id where og.grant_id = ${grantId}`);
  const row = rows[0];
  return row ? { userCompanyId: row.user_company_id, actingCompanyId: row.acting_company_id } : null;
}
