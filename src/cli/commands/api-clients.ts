import { z } from "zod";
import { API_SCOPE_DESCRIPTIONS, API_SCOPE_NAMES } from "../../features/access/api-scopes.ts";
import { apiAudience } from "../../features/api-clients/api-audience.ts";
import { createApiClient } from "../../features/api-clients/create-api-client.ts";
import { deleteApiClient } from "../../features/api-clients/delete-api-client.ts";
import { listApiClients } from "../../features/api-clients/list-api-clients.ts";
import { rotateApiClientSecret } from "../../features/api-clients/rotate-api-client-secret.ts";
import type { ApiClientSummary } from "../../features/api-clients/api-clients.queries.ts";
import { Uuid } from "../../http/api/v1/schemas.ts";
import { CliUsageError, formatTable, formatTime, option, parseOptions, type CliCommand } from "../command.ts";

const Name = z.string().trim().min(1, "must not be empty").max(100);
const ClientId = z.string().regex(/^[0-9a-f]{32}$/, "not an API client id");
const SCOPE_HELP = API_SCOPE_NAMES.map((scope) => `  ${scope.padEnd(14)} ${API_SCOPE_DESCRIPTIONS[scope]}`).join("\n");

const creator = (client: ApiClientSummary) => (client.createdBy.kind === "user" ? client.createdBy.name : client.createdBy.kind === "operator" ? "operator" : "(deleted user)");

export const createApiClientCommand: CliCommand = {
  name: "create-api-client",
  summary: "give a company's back end an API client (client credentials)",
  help: `Usage: latchkey create-api-client --company <company id> --name <name> --scope <scope> [--scope <scope> ...] [--json]

Creates a machine client of the company and prints its client id and secret — once:
only a digest of the secret is kept. The client gets short-lived access tokens from
the token endpoint (grant_type=client_credentials, resource=<PUBLIC_URL>/api/v1) and
calls /api/v1 with them, as an administrator of the company limited to its scopes:

${SCOPE_HELP}

  --json   print {"clientId", "clientSecret", "tokenEndpoint", "audience"} for scripts`,
  prepare(argv) {
    const values = parseOptions("create-api-client", argv, { company: { type: "string" }, name: { type: "string" }, scope: { type: "string", multiple: true }, json: { type: "boolean" } });
    const companyId = option("create-api-client", values, "company", Uuid, true);
    const name = option("create-api-client", values, "name", Name, true);
    const scopes = (Array.isArray(values.scope) ? values.scope : []).filter((s): s is string => typeof s === "string");
    if (scopes.length === 0) throw new CliUsageError(`create-api-client: --scope is required, one or more of: ${API_SCOPE_NAMES.join(", ")}`);
    return async (deps, io) => {
      const created = await createApiClient(deps, { by: "operator", companyId }, { name, scopes });
      const tokenEndpoint = `${deps.config.publicUrl}/oidc/token`;
      if (values.json === true) {
        io.out(JSON.stringify({ clientId: created.client.id, clientSecret: created.clientSecret, tokenEndpoint, audience: apiAudience(deps.config), scopes: created.client.scopes }));
        return;
      }
      io.out(`Created API client "${created.client.name}" (${created.client.scopes.join(" ")}).`);
      io.out(`client_id:     ${created.client.id}`);
      io.out(`client_secret: ${created.clientSecret}`);
      io.out("Keep the secret now: it is not stored and cannot be shown again (rotate-api-client-secret makes a new one).");
      io.out(`Token endpoint: ${tokenEndpoint}   resource: ${apiAudience(deps.config)}`);
    };
  },
};

export const listApiClientsCommand: CliCommand = {
  name: "list-api-clients",
  summary: "list a company's API clients (never a secret)",
  help: `Usage: latchkey list-api-clients --company <company id> [--json]

One line per API client: id, name, scopes, last used, created by, created.`,
  prepare(argv) {
    const values = parseOptions("list-api-clients", argv, { company: { type: "string" }, json: { type: "boolean" } });
    const companyId = option("list-api-clients", values, "company", Uuid, true);
    return async (deps, io) => {
      const { company, clients } = await listApiClients(deps, { by: "operator", companyId });
      if (values.json === true) {
        io.out(JSON.stringify(clients));
        return;
      }
      if (clients.length === 0) {
        io.out(`${company.name} has no API clients. Create one with \`latchkey create-api-client\`.`);
        return;
      }
      const table = formatTable(
        ["id", "name", "scopes", "last used", "created by", "created"],
        clients.map((c) => [c.id, c.name, c.scopes.join(" "), c.lastUsedAt ? formatTime(c.lastUsedAt) : "never", creator(c), formatTime(c.createdAt)]),
      );
      for (const line of table) io.out(line);
    };
  },
};

export const rotateApiClientSecretCommand: CliCommand = {
  name: "rotate-api-client-secret",
  summary: "give an API client a new secret (the old one and its tokens stop at once)",
  help: `Usage: latchkey rotate-api-client-secret --company <company id> --id <client id> [--json]

Prints a new secret, once. The old secret gets no token from now on, and the tokens it
got are refused by the API at their next use.`,
  prepare(argv) {
    const values = parseOptions("rotate-api-client-secret", argv, { company: { type: "string" }, id: { type: "string" }, json: { type: "boolean" } });
    const companyId = option("rotate-api-client-secret", values, "company", Uuid, true);
    const clientId = option("rotate-api-client-secret", values, "id", ClientId, true);
    return async (deps, io) => {
      const rotated = await rotateApiClientSecret(deps, { by: "operator", companyId }, clientId);
      if (values.json === true) {
        io.out(JSON.stringify({ clientId, clientSecret: rotated.clientSecret }));
        return;
      }
      io.out(`client_secret: ${rotated.clientSecret}`);
      io.out("The previous secret and the tokens it got no longer work.");
    };
  },
};

export const deleteApiClientCommand: CliCommand = {
  name: "delete-api-client",
  summary: "delete an API client; its tokens stop at once",
  help: `Usage: latchkey delete-api-client --company <company id> --id <client id>`,
  prepare(argv) {
    const values = parseOptions("delete-api-client", argv, { company: { type: "string" }, id: { type: "string" } });
    const companyId = option("delete-api-client", values, "company", Uuid, true);
    const clientId = option("delete-api-client", values, "id", ClientId, true);
    return async (deps, io) => {
      const deleted = await deleteApiClient(deps, { by: "operator", companyId }, clientId);
      io.out(`Deleted API client "${deleted.name}" (${clientId}); its tokens no longer work.`);
    };
  },
};
