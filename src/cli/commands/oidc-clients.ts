import { z } from "zod";
import { createClient, deleteClient, listClients, rotateClientSecret } from "../../features/oidc/manage-clients.ts";
import { CliUsageError, formatTable, formatTime, option, parseOptions, type CliCommand } from "../command.ts";

const Name = z.string().trim().min(1, "must not be empty").max(200);
const ClientId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, "not a client id");

/** 90s, 15m, 24h, 7d → milliseconds. */
export function parseDuration(command: string, name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const match = /^(\d{1,6})(s|m|h|d)$/.exec(value.trim());
  if (!match) throw new CliUsageError(`${command}: --${name} takes a duration such as 90s, 15m, 24h or 7d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}

const list = (value: string | boolean | undefined | (string | boolean)[]): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === "string");

export const createClientCommand: CliCommand = {
  name: "create-client",
  summary: "register an application that signs users in through Latchkey (OpenID Connect)",
  help: `Usage: latchkey create-client --name <name> --redirect-uri <uri> [--redirect-uri <uri> ...]
         [--post-logout-redirect-uri <uri> ...] [--backchannel-logout-uri <uri>]
         [--resource <api uri> ...] [--public] [--first-party] [--json]

Registers an OpenID Connect client and prints its client id and, for a confidential
client, its secret — once: only a digest of it is kept. Redirect URIs are matched
exactly; they must use https (http only for localhost/127.0.0.1/[::1]).

  --public                  a browser or mobile app: no secret, PKCE only
  --first-party             the platform's own application: users are not asked to consent
  --backchannel-logout-uri  where Latchkey POSTs a signed logout token when a user's access ends
  --resource                an API the application may ask access tokens (JWT, RFC 9068) for
  --json                    print {"clientId": ..., "clientSecret": ...} for scripts`,
  prepare(argv) {
    const values = parseOptions("create-client", argv, {
      name: { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "post-logout-redirect-uri": { type: "string", multiple: true },
      "backchannel-logout-uri": { type: "string" },
      resource: { type: "string", multiple: true },
      public: { type: "boolean" },
      "first-party": { type: "boolean" },
      json: { type: "boolean" },
    } as never) as Record<string, string | boolean | undefined | string[]>;
    const name = option("create-client", values as never, "name", Name, true);
    const redirectUris = list(values["redirect-uri"]);
    if (redirectUris.length === 0) throw new CliUsageError("create-client: --redirect-uri is required (see latchkey create-client --help)");
    const input = {
      name,
      redirectUris,
      postLogoutRedirectUris: list(values["post-logout-redirect-uri"]),
      backchannelLogoutUri: typeof values["backchannel-logout-uri"] === "string" ? values["backchannel-logout-uri"] : null,
      resources: list(values.resource),
      public: values.public === true,
      firstParty: values["first-party"] === true,
    };
    return async (deps, io) => {
      const created = await createClient(deps, input);
      if (values.json === true) {
        io.out(JSON.stringify(created));
        return;
      }
      io.out(`Registered "${name}".`);
      io.out(`client_id:     ${created.clientId}`);
      if (created.clientSecret) {
        io.out(`client_secret: ${created.clientSecret}`);
        io.out("Keep the secret now: it is not stored and cannot be shown again (rotate-client-secret makes a new one).");
      } else {
        io.out("A public client: no secret; it must use PKCE (S256).");
      }
      io.out(`Issuer: ${deps.config.publicUrl} (discovery at ${deps.config.publicUrl}/.well-known/openid-configuration)`);
    };
  },
};

export const listClientsCommand: CliCommand = {
  name: "list-clients",
  summary: "list the registered applications (never a secret)",
  help: `Usage: latchkey list-clients

One line per OpenID Connect client: id, name, type, redirect URIs, back-channel
logout URI, live grants, created.`,
  prepare(argv) {
    parseOptions("list-clients", argv, {});
    return async (deps, io) => {
      const clients = await listClients(deps);
      if (clients.length === 0) {
        io.out("No applications yet. Register one with `latchkey create-client`.");
        return;
      }
      const table = formatTable(
        ["id", "name", "type", "redirect URIs", "back-channel logout", "live grants", "created"],
        clients.map((c) => [c.id, c.name, `${c.public ? "public" : "confidential"}${c.firstParty ? ", first-party" : ""}`, c.redirectUris.join(" "), c.backchannelLogoutUri ?? "", String(c.liveGrants), formatTime(c.createdAt)]),
      );
      for (const line of table) io.out(line);
    };
  },
};

export const rotateClientSecretCommand: CliCommand = {
  name: "rotate-client-secret",
  summary: "give a confidential application a new secret",
  help: `Usage: latchkey rotate-client-secret --id <client id> [--grace <duration>] [--json]

Prints a new secret, once. The old one keeps working for --grace (default 0: it
stops at once; for example 24h while the application is redeployed).`,
  prepare(argv) {
    const values = parseOptions("rotate-client-secret", argv, { id: { type: "string" }, grace: { type: "string" }, json: { type: "boolean" } });
    const clientId = option("rotate-client-secret", values, "id", ClientId, true);
    const graceMs = parseDuration("rotate-client-secret", "grace", typeof values.grace === "string" ? values.grace : undefined, 0);
    return async (deps, io) => {
      const rotated = await rotateClientSecret(deps, { clientId, graceMs });
      if (values.json === true) {
        io.out(JSON.stringify({ clientId, clientSecret: rotated.clientSecret, previousValidUntil: rotated.previousValidUntil }));
        return;
      }
      io.out(`client_secret: ${rotated.clientSecret}`);
      io.out(rotated.previousValidUntil ? `The previous secret works until ${formatTime(rotated.previousValidUntil)}.` : "The previous secret no longer works.");
    };
  },
};

export const deleteClientCommand: CliCommand = {
  name: "delete-client",
  summary: "remove an application and end every token it holds",
  help: `Usage: latchkey delete-client --id <client id>

Deletes the client, its grants and every code and token issued to it, at once.`,
  prepare(argv) {
    const values = parseOptions("delete-client", argv, { id: { type: "string" } });
    const clientId = option("delete-client", values, "id", ClientId, true);
    return async (deps, io) => {
      const deleted = await deleteClient(deps, clientId);
      io.out(`Deleted "${deleted.name}" (${clientId}) and every token issued to it.`);
    };
  },
};
