import type { Deps } from "../../deps.ts";
import { oidcClients } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { isApiScope, API_SCOPE_NAMES, type ApiScope } from "../access/api-scopes.ts";
import { fitForAName } from "../control-characters.ts";
import { digestToken } from "../auth/tokens.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { findApiClientOf, requireManagedCompany, type ApiClientManager, type ApiClientSummary } from "./api-clients.queries.ts";
import { newClientId, newClientSecret } from "./new-client-secret.ts";

export interface NewApiClient {
  name: string;
  scopes: readonly string[];
}

/** A name as the dashboard, the audit log and the emails show it; scopes known, at least one, each once, in the catalogue's order. */
export function checkApiClientInput(input: NewApiClient): { name: string; scopes: ApiScope[] } {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100 || !fitForAName(input.name)) throw new AppError("VALIDATION_FAILED", "Give the API client a name of 1 to 100 characters, without control characters.");
  const unknown = input.scopes.filter((scope) => !isApiScope(scope));
  if (unknown.length > 0) throw new AppError("VALIDATION_FAILED", `Unknown scope: ${unknown.join(", ").slice(0, 200)}. Scopes: ${API_SCOPE_NAMES.join(", ")}.`);
  const scopes = API_SCOPE_NAMES.filter((scope) => input.scopes.includes(scope));
  if (scopes.length === 0) throw new AppError("VALIDATION_FAILED", "Choose at least one scope.");
  return { name, scopes };
}

/**
 * A company's machine client (decision 0028): the secret is returned once and only its digest is
 * kept. The client exists for the provider at once, on every instance (it reads the row at each use).
 */
export async function createApiClient(deps: Pick<Deps, "db" | "clock">, manager: ApiClientManager, input: NewApiClient): Promise<{ client: ApiClientSummary; clientSecret: string }> {
  const { name, scopes } = checkApiClientInput(input);
  const now = deps.clock.now();
  const clientId = newClientId();
  const clientSecret = newClientSecret();
  return deps.db.transaction(async (tx) => {
    const company = await requireManagedCompany(tx, manager);
    await tx.insert(oidcClients).values({
      id: clientId,
      kind: "machine",
      name,
      secretHash: digestToken(clientSecret),
      redirectUris: [],
      companyId: company.id,
      scopes,
      createdByUserId: manager.by === "administrator" ? manager.actor.userId : null,
      createdByOperator: manager.by === "operator",
      createdAt: now,
      updatedAt: now,
    });
    await recordAuditEvent(tx, {
      action: "api_client.created",
      actor: manager.by === "administrator" ? manager.actor : null,
      targetCompanyId: company.id,
      details: { via: manager.by === "operator" ? "cli" : "api", clientId, clientName: name, scopes },
      at: now,
    });
    const client = await findApiClientOf(tx, company.id, clientId);
    if (!client) throw new Error("the API client just created is not found");
    return { client, clientSecret };
  });
}
