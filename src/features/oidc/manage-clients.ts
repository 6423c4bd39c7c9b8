import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { queryRows } from "../../db/client.ts";
import { oidcClients } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { digestToken } from "../auth/tokens.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A URI an application may be sent to or called at: absolute, https (http only on this machine's
 * loopback, for development), no user-info, no fragment, no wildcard. Stored exactly as given:
 * the provider compares redirect URIs as exact strings.
 */
export function checkClientUri(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError("VALIDATION_FAILED", `${what} must be an absolute URL.`);
  }
  const fail = (reason: string) => new AppError("VALIDATION_FAILED", `${what} ${reason}: ${value}`);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) throw fail("must use https (http only for localhost)");
  if (url.username || url.password) throw fail("must not carry a user name or password");
  if (url.hash || value.includes("#")) throw fail("must not have a fragment");
  if (value.includes("*")) throw fail("must not contain a wildcard");
  if (/[\s\u0000-\u001f\u007f]/.test(value)) throw fail("must not contain spaces or control characters");
  return value;
}

export interface NewClient {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  resources: string[];
  public: boolean;
  firstParty: boolean;
}

/** A secret, shown once: 256 random bits; only its SHA-256 is kept (decision 0027, section 6). */
const newSecret = () => randomBytes(32).toString("base64url");

export async function createClient(deps: Pick<Deps, "db" | "clock">, input: NewClient): Promise<{ clientId: string; clientSecret: string | null }> {
  if (input.redirectUris.length === 0) throw new AppError("VALIDATION_FAILED", "At least one redirect URI is needed.");
  for (const uri of input.redirectUris) checkClientUri(uri, "--redirect-uri");
  for (const uri of input.postLogoutRedirectUris) checkClientUri(uri, "--post-logout-redirect-uri");
  if (input.backchannelLogoutUri) checkClientUri(input.backchannelLogoutUri, "--backchannel-logout-uri");
  for (const uri of input.resources) checkClientUri(uri, "--resource");
  // Hex: an id never starts with "-", which a command line would read as an option.
  const clientId = randomBytes(16).toString("hex");
  const clientSecret = input.public ? null : newSecret();
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.insert(oidcClients).values({
      id: clientId,
      name: input.name,
      secretHash: clientSecret ? digestToken(clientSecret) : null,
      firstParty: input.firstParty,
      redirectUris: input.redirectUris,
      postLogoutRedirectUris: input.postLogoutRedirectUris,
      backchannelLogoutUri: input.backchannelLogoutUri,
      resources: input.resources,
      createdAt: now,
      updatedAt: now,
    });
    await recordAuditEvent(tx, { action: "oidc.client_created", details: { via: "cli", clientId, clientName: input.name, public: input.public, firstParty: input.firstParty }, at: now });
  });
  return { clientId, clientSecret };
}

export interface ClientSummary {
  id: string;
  name: string;
  public: boolean;
  firstParty: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  resources: string[];
  createdAt: Date;
  liveGrants: number;
}

/** What the operator may see of the clients: never a secret or its digest. */
export async function listClients(deps: Pick<Deps, "db" | "clock">): Promise<ClientSummary[]> {
  const rows = await queryRows<{
    id: string; name: string; public: boolean; first_party: boolean; redirect_uris: string[]; post_logout_redirect_uris: string[];
    backchannel_logout_uri: string | null; resources: string[]; created_at: Date | string; live_grants: number;
  }>(deps.db, sql`
    select c.id, c.name, c.secret_hash is null as public, c.first_party, c.redirect_uris, c.post_logout_redirect_uris,
           c.backchannel_logout_uri, c.resources, c.created_at,
           (select count(*) from oidc_grants g where g.client_id = c.id and g.revoked_at is null and g.expires_at > ${deps.clock.now()})::int as live_grants
    from oidc_clients c where c.kind = 'application' order by c.created_at, c.id`);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    public: row.public,
    firstParty: row.first_party,
    redirectUris: row.redirect_uris,
    postLogoutRedirectUris: row.post_logout_redirect_uris,
    backchannelLogoutUri: row.backchannel_logout_uri,
    resources: row.resources,
    createdAt: new Date(row.created_at),
    liveGrants: Number(row.live_grants),
  }));
}

/** A new secret; the old one keeps working for `graceMs` (0: at once), so the application can be redeployed in between. */
export async function rotateClientSecret(deps: Pick<Deps, "db" | "clock">, input: { clientId: string; graceMs: number }): Promise<{ clientSecret: string; previousValidUntil: Date | null }> {
  const now = deps.clock.now();
  const clientSecret = newSecret();
  const previousValidUntil = input.graceMs > 0 ? new Date(now.getTime() + input.graceMs) : null;
  const updated = await deps.db.transaction(async (tx) => {
    const rows = await queryRows<{ id: string; name: string }>(tx, sql`
      update oidc_clients set previous_secret_hash = case when ${previousValidUntil}::timestamptz is null then null else secret_hash end,
        previous_secret_expires_at = ${previousValidUntil}, secret_hash = ${digestToken(clientSecret)}, updated_at = ${now}
      where id = ${input.clientId} and kind = 'application' and secret_hash is not null returning id, name`);
    const row = rows[0];
    if (row) await recordAuditEvent(tx, { action: "oidc.client_secret_rotated", details: { via: "cli", clientId: row.id, clientName: row.name, graceSeconds: Math.round(input.graceMs / 1000) }, at: now });
    return row;
  });
  if (!updated) throw new AppError("NOT_FOUND", `No confidential client has the id ${input.clientId}.`);
  return { clientSecret, previousValidUntil };
}

/** The client and everything it was issued go at once: its grants, codes and tokens. */
export async function deleteClient(deps: Pick<Deps, "db" | "clock">, clientId: string): Promise<{ name: string }> {
  const now = deps.clock.now();
  const deleted = await deps.db.transaction(async (tx) => {
    await tx.execute(sql`delete from oidc_payloads where grant_id in (select grant_id from oidc_grants where client_id = ${clientId})`);
    await tx.execute(sql`delete from oidc_payloads where model in ('Grant', 'AuthorizationCode', 'AccessToken', 'RefreshToken') and payload->>'clientId' = ${clientId}`);
    // A company's API client is not an application: it goes with delete-api-client, audited as such.
    const [row] = await tx.delete(oidcClients).where(and(eq(oidcClients.id, clientId), eq(oidcClients.kind, "application"))).returning({ name: oidcClients.name });
    if (row) await recordAuditEvent(tx, { action: "oidc.client_deleted", details: { via: "cli", clientId, clientName: row.name }, at: now });
    return row;
  });
  if (!deleted) throw new AppError("NOT_FOUND", `No client has the id ${clientId}.`);
  return deleted;
}
