import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { assertThat } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { assertCan } from "../access/authorize.ts";
import { actingCompanyOf } from "../access/company-scope.ts";
import { isApiScope, type ApiScope } from "../access/api-scopes.ts";

/** Who manages a company's API clients: one of its administrators (in the dashboard or the API), or the operator (CLI). */
export type ApiClientManager = { by: "administrator"; actor: Actor } | { by: "operator"; companyId: string };

export interface ApiClientSummary {
  id: string;
  name: string;
  scopes: ApiScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  createdBy: { kind: "operator" } | { kind: "user"; name: string } | { kind: "deleted_user" };
}

/**
 * The company whose clients the manager works on, live, or NOT_FOUND. An administrator works on
 * the company they act in, with the permission no API scope holds: a machine client is refused here.
 */
export async function requireManagedCompany(db: Executor, manager: ApiClientManager): Promise<{ id: string; name: string }> {
  if (manager.by === "administrator") assertCan(manager.actor, "apiClients.manage");
  const companyId = manager.by === "administrator" ? actingCompanyOf(manager.actor) : manager.companyId;
  const [company] = await queryRows<{ id: string; name: string }>(db, sql`select id, name from companies where id = ${companyId} and deleted_at is null`);
  assertThat(company, "NOT_FOUND");
  return company;
}

interface SummaryRow {
  id: string;
  name: string;
  scopes: string[];
  created_at: Date | string;
  last_used_at: Date | string | null;
  created_by_operator: boolean;
  created_by_user_id: string | null;
  creator_name: string | null;
}

const summaryOf = (row: SummaryRow): ApiClientSummary => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes.filter(isApiScope),
  createdAt: new Date(row.created_at),
  lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
  createdBy: row.created_by_operator ? { kind: "operator" } : row.creator_name !== null ? { kind: "user", name: row.creator_name } : { kind: "deleted_user" },
});

const SUMMARY_SELECT = sql`select k.id, k.name, k.scopes, k.created_at, k.last_used_at, k.created_by_operator, k.created_by_user_id, u.name as creator_name
    from oidc_clients k left join users u on u.id = k.created_by_user_id`;

/** Every machine client of a company, oldest first: never a secret or its digest. */
export async function listApiClientsOf(db: Executor, companyId: string): Promise<ApiClientSummary[]> {
  const rows = await queryRows<SummaryRow>(db, sql`${SUMMARY_SELECT} where k.company_id = ${companyId} and k.kind = 'machine' order by k.created_at, k.id`);
  return rows.map(summaryOf);
}

/** One machine client of that company; another company's (or an application) is not found, whatever its id. */
export async function findApiClientOf(db: Executor, companyId: string, clientId: string): Promise<ApiClientSummary | null> {
  if (clientId.length > 100) return null;
  const [row] = await queryRows<SummaryRow>(db, sql`${SUMMARY_SELECT} where k.id = ${clientId} and k.company_id = ${companyId} and k.kind = 'machine'`);
  return row ? summaryOf(row) : null;
}
