import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { likePrefix } from "../../db/like-prefix.ts";
import { assertThat } from "../../errors.ts";
import { assertCan } from "../access/authorize.ts";
import type { Actor } from "../access/actor.ts";
import { toCsv } from "../csv.ts";

export interface AuditFilters {
  /** One company of the viewer's reach; default: the viewer's own. */
  companyId?: string | undefined;
  /** A parent's administrator may include every linked company. */
  includeLinked?: boolean | undefined;
  /** Prefix of the actor's email or name. */
  actor?: string | undefined;
  /** An action, or a prefix ending in "." ("password_reset."). */
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset: events older than this id. */
  before?: number | undefined;
  limit: number | null;
}

interface Row {
  id: string | number;
  at: Date | string;
  action: string;
  outcome: string;
  client_address: string | null;
  grant_id: string | null;
  details: Record<string, unknown> | null;
  actor_name: string | null;
  actor_client_id: string | null;
  actor_email: string | null;
  actor_company_name: string | null;
  acting_company_name: string | null;
  target_name: string | null;
  target_email: string | null;
  target_company_name: string | null;
}


/** Which companies' events this administrator may read: their own, and (as a parent) its linked companies. */
async function reachableCompanies(db: Executor, actor: Actor, filters: AuditFilters): Promise<string[]> {
  const linked = await queryRows<{ id: string }>(db, sql`select id from companies where parent_id = ${actor.companyId}`);
  const reach = new Set([actor.companyId, ...linked.map((r) => r.id)]);
  if (filters.companyId) {
    assertThat(reach.has(filters.companyId), "NOT_FOUND");
    return [filters.companyId];
  }
  return filters.includeLinked ? [...reach] : [actor.companyId];
}

/** A machine client that acted, named as it was then: "API client Billing sync of Northwind" (decision 0028). */
function clientOf(row: Row): { id: string; name: string; label: string } | null {
  if (!row.actor_client_id) return null;
  const name = typeof row.details?.actorClientName === "string" ? row.details.actorClientName : "a deleted client";
  return { id: row.actor_client_id, name, label: `API client ${name} of ${row.actor_company_name ?? "a deleted company"}` };
}

export async function listAuditEvents(db: Executor, actor: Actor, filters: AuditFilters) {
  assertCan(actor, "audit.view");
  const ids = await reachableCompanies(db, actor, filters);
  const idList = sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);
  const where: SQL[] = [
    sql`(e.actor_company_id in (${idList}) or e.target_company_id in (${idList}) or e.acting_company_id in (${idList}))`,
  ];
  if (filters.action) {
    where.push(filters.action.endsWith(".") ? sql`e.action like ${likePrefix(filters.action)}` : sql`e.action = ${filters.action}`);
  }
  if (filters.actor) {
    const prefix = likePrefix(filters.actor.toLowerCase());
    // A machine client is found by its name as the row kept it (decision 0028).
    where.push(sql`(au.email_normalized like ${prefix} or au.name_sort like ${prefix} or lower(e.details->>'actorClientName') like ${prefix})`);
  }
  if (filters.from) where.push(sql`e.at >= ${filters.from}`);
  if (filters.to) where.push(sql`e.at < ${filters.to}`);
  if (filters.before) where.push(sql`e.id < ${filters.before}`);
  const limit = filters.limit === null ? sql`limit 100000` : sql`limit ${filters.limit + 1}`;
  const rows = await queryRows<Row>(
    db,
    sql`select e.id, e.at, e.action, e.outcome, e.client_address, e.grant_id, e.details, e.actor_client_id,
          au.name as actor_name, au.email as actor_email, ac.name as actor_company_name, xc.name as acting_company_name,
          tu.name as target_name, tu.email as target_email,
          -- Beside a person, their own company (a grant's member works for the parent, not for the
          -- linked company the row concerns, which its details name); otherwise the company acted on.
          coalesce(tuc.name, tc.name) as target_company_name
        from audit_events e
        left join users au on au.id = e.actor_user_id
        left join companies ac on ac.id = e.actor_company_id
        left join companies xc on xc.id = e.acting_company_id
        left join users tu on tu.id = e.target_user_id
        left join companies tuc on tuc.id = tu.company_id
        left join companies tc on tc.id = e.target_company_id
        where ${sql.join(where, sql` and `)}
        order by e.id desc ${limit}`,
  );
  const hasMore = filters.limit !== null && rows.length > filters.limit;
  const visible = hasMore ? rows.slice(0, filters.limit ?? rows.length) : rows;
  return {
    events: visible.map((r) => ({
      id: Number(r.id),
      at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
      action: r.action,
      outcome: r.outcome,
      actor: r.actor_name ? { name: r.actor_name, email: r.actor_email ?? "" } : null,
      actorClient: clientOf(r),
      actorCompany: r.actor_company_name,
      actingCompany: r.acting_company_name,
      target: r.target_name ? { name: r.target_name, email: r.target_email ?? "" } : null,
      targetCompany: r.target_company_name,
      grantId: r.grant_id,
      clientAddress: r.client_address,
      details: r.details ?? {},
    })),
    nextBefore: hasMore ? Number(visible.at(-1)?.id) : null,
  };
}

export async function auditEventsCsv(db: Executor, actor: Actor, filters: AuditFilters): Promise<string> {
  const { events } = await listAuditEvents(db, actor, { ...filters, before: undefined, limit: null });
  return toCsv(
    ["id", "at", "action", "outcome", "actor", "actor_email", "actor_company", "acting_company", "target", "target_email", "target_company", "grant_id", "client_address"],
    events.map((e) => [
      String(e.id),
      e.at,
      e.action,
      e.outcome,
      e.actor?.name ?? e.actorClient?.label ?? "",
      e.actor?.email ?? "",
      e.actorCompany ?? "",
      e.actingCompany ?? "",
      e.target?.name ?? "",
      e.target?.email ?? "",
      e.targetCompany ?? "",
      e.grantId ?? "",
      e.clientAddress ?? "",
    ]),
  );
}
