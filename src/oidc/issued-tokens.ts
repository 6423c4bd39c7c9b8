import { sql } from "drizzle-orm";
import Provider from "oidc-provider";
import { preparedStatement, type Db } from "../db/client.ts";
import { AUDIT_INSERT, auditPlaceholders, type AuditEventInput } from "../features/audit/record-audit-event.ts";

/** One oidc_payloads row as the adapter writes it. */
export interface PayloadRow {
  model: string;
  id: string;
  /** JSON text. */
  payload: string;
  grantId: string | null;
  uid: string | null;
  accountId: string | null;
  expiresAt: Date;
}

/** What the token endpoint issues: written with its audit row, once the answer is ready. */
const ISSUED_AT_TOKEN_ENDPOINT = new Set(["AccessToken", "RefreshToken"]);

const pendingByRequest = new WeakMap<object, PayloadRow[]>();

/**
 * At the token endpoint, the access and refresh tokens the library saves are kept for the end of the
 * request instead of written one by one; returns whether this one was kept. Nothing in the request
 * reads them back, and the answer that carries them leaves only after they are written
 * (writeIssuedWithAudit). Consuming the code or the old refresh token stays immediate: that is what
 * tells a second use from the first.
 */
export function keepForEndOfRequest(row: PayloadRow): boolean {
  const ctx = Provider.ctx;
  if (!ctx || ctx.oidc.route !== "token" || !ISSUED_AT_TOKEN_ENDPOINT.has(row.model)) return false;
  let pending = pendingByRequest.get(ctx);
  if (!pending) pendingByRequest.set(ctx, (pending = []));
  pending.push(row);
  return true;
}

const param = (name: string) => sql.placeholder(name);

/**
 * The request's tokens and its audit row in one statement (one round trip, one commit): the
 * adapter's upsert for every row, then the audit insert when there is one.
 */
const writeStatement = preparedStatement<never, Record<string, unknown>>("oidc_issued_with_audit", sql`
    with issued as (
      insert into oidc_payloads (model, id, payload, grant_id, uid, account_id, expires_at)
      select * from unnest(${param("models")}::text[], ${param("ids")}::text[], ${param("payloads")}::jsonb[], ${param("grantIds")}::text[],
                           ${param("uids")}::text[], ${param("accountIds")}::text[], ${param("expiresAts")}::timestamptz[])
      on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
        account_id = excluded.account_id, expires_at = excluded.expires_at
    )
    ${AUDIT_INSERT} where ${param("audited")}::boolean`);

/** Takes the rows kept for the end of this request (the Koa context the provider answers with). */
export function takeKept(ctx: object): PayloadRow[] {
  const pending = pendingByRequest.get(ctx) ?? [];
  pendingByRequest.delete(ctx);
  return pending;
}

export async function writeIssuedWithAudit(db: Db, rows: PayloadRow[], event: AuditEventInput | null): Promise<void> {
  if (rows.length === 0 && !event) return;
  await writeStatement(db, {
    models: rows.map((r) => r.model),
    ids: rows.map((r) => r.id),
    payloads: rows.map((r) => r.payload),
    grantIds: rows.map((r) => r.grantId),
    uids: rows.map((r) => r.uid),
    accountIds: rows.map((r) => r.accountId),
    expiresAts: rows.map((r) => r.expiresAt),
    audited: event !== null,
    ...auditPlaceholders(event),
  });
}
