import { sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { queryRows } from "../../db/client.ts";
import { assertThat } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { requireManagedCompany, type ApiClientManager } from "./api-clients.queries.ts";

/** The client goes, and with it every token it holds: the API looks the client up on every request (decision 0029). */
export async function deleteApiClient(deps: Pick<Deps, "db" | "clock">, manager: ApiClientManager, clientId: string): Promise<{ name: string }> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const company = await requireManagedCompany(tx, manager);
    const [row] = clientId.length > 100 ? [] : await queryRows<{ id: string; name: string }>(tx, sql`
      delete from oidc_clients where id = ${clientId} and company_id = ${company.id} and kind = 'machine' returning id, name`);
    assertThat(row, "NOT_FOUND");
    await recordAuditEvent(tx, {
      action: "api_client.deleted",
      actor: manager.by === "administrator" ? manager.actor : null,
      targetCompanyId: company.id,
      details: { via: manager.by === "operator" ? "cli" : "api", clientId: row.id, clientName: row.name },
      at: now,
    });
    return { name: row.name };
  });
}
