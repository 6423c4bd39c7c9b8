import { sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { queryRows } from "../../db/client.ts";
import { assertThat } from "../../errors.ts";
import { digestToken } from "../auth/tokens.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { requireManagedCompany, type ApiClientManager } from "./api-clients.queries.ts";
import { newClientSecret } from "./new-client-secret.ts";

/**
 * A new secret, at once: the old one gets no token from now on, and the tokens it got are refused
 * by the API from the next request (the version they carry is behind, decision 0029). A rotation is
 * what one does when a secret may have leaked, so nothing of the old one is left to work.
 */
export async function rotateApiClientSecret(deps: Pick<Deps, "db" | "clock">, manager: ApiClientManager, clientId: string): Promise<{ clientSecret: string }> {
  const now = deps.clock.now();
  const clientSecret = newClientSecret();
  await deps.db.transaction(async (tx) => {
    const company = await requireManagedCompany(tx, manager);
    const [row] = clientId.length > 100 ? [] : await queryRows<{ id: string; name: string }>(tx, sql`
      update oidc_clients set secret_hash = ${digestToken(clientSecret)}, secret_version = secret_version + 1,
        previous_secret_hash = null, previous_secret_expires_at = null, updated_at = ${now}
      where id = ${clientId} and company_id = ${company.id} and kind = 'machine' returning id, name`);
    assertThat(row, "NOT_FOUND");
    await recordAuditEvent(tx, {
      action: "api_client.secret_rotated",
      actor: manager.by === "administrator" ? manager.actor : null,
      targetCompanyId: company.id,
      details: { via: manager.by === "operator" ? "cli" : "api", clientId: row.id, clientName: row.name },
      at: now,
    });
  });
  return { clientSecret };
}
