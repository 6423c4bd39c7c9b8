import type { Deps } from "../../deps.ts";
import { listApiClientsOf, requireManagedCompany, type ApiClientManager, type ApiClientSummary } from "./api-clients.queries.ts";

/** The company's machine clients, for its administrators or the operator. */
export async function listApiClients(deps: Pick<Deps, "db">, manager: ApiClientManager): Promise<{ company: { id: string; name: string }; clients: ApiClientSummary[] }> {
  const company = await requireManagedCompany(deps.db, manager);
  return { company, clients: await listApiClientsOf(deps.db, company.id) };
}
