import { sql } from "drizzle-orm";
import type { ClientMetadata } from "oidc-provider";
import { preparedStatement, type Executor } from "../../db/client.ts";
import { noControlChars } from "../control-characters.ts";

export interface ClientRow {
  id: string;
  name: string;
  secret_hash: string | null;
  previous_secret_hash: string | null;
  previous_secret_expires_at: Date | string | null;
  first_party: boolean;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  resources: string[];
  kind: "application" | "machine";
  company_id: string | null;
  scopes: string[];
  secret_version: number;
}

/** The columns of a ClientRow, also read with a token by the provider's prefetch (src/oidc/prefetch.ts). */
export const CLIENT_COLUMNS = sql.raw(`id, name, secret_hash, previous_secret_hash, previous_secret_expires_at, first_party, redirect_uris,
           post_logout_redirect_uris, backchannel_logout_uri, resources, kind, company_id, scopes, secret_version`);

const clientById = preparedStatement<ClientRow, { id: string }>("oidc_client_by_id", sql`
    select ${CLIENT_COLUMNS} from oidc_clients where id = ${sql.placeholder("id")}`);

/**
 * Whether a client_id could be one: ids longer than any client's are never looked up, and a
 * client_id is whatever a request says — a NUL would make PostgreSQL refuse the statement (a 500).
 */
export const isClientIdLookable = (id: string) => id.length <= 100 && noControlChars(id);

export async function findClientRow(db: Executor, id: string): Promise<ClientRow | undefined> {
  if (!isClientIdLookable(id)) return undefined;
  const [row] = await clientById(db, { id });
  return row;
}

/** Latchkey's own client metadata, declared to the provider as extraClientMetadata. */
export const CLIENT_EXTRA_METADATA = [
  "latchkey_first_party",
  "latchkey_previous_secret_hash",
  "latchkey_previous_secret_expires_at",
  "latchkey_resources",
  "latchkey_company_id",
  "latchkey_secret_version",
] as const;

/** What the provider's hooks read of a client's Latchkey metadata. */
export interface LatchkeyClientMetadata {
  latchkey_resources?: string[];
  latchkey_company_id?: string | null;
  latchkey_secret_version?: number;
}

/** A company's machine client (decision 0028): only the client-credentials grant, only the API's audience. */
export const isMachineClient = (client: unknown): boolean => typeof (client as LatchkeyClientMetadata | undefined)?.latchkey_company_id === "string";

/**
 * The row as the provider's client metadata. The library validates it and caches the result by its
 * content, and reads the row on every lookup: a deletion or a new secret applies at the next request,
 * on every instance. `client_secret` holds the digest: the provider never sees a secret it could leak,
 * and compareClientSecret (provider.ts) hashes what the client presents.
 */
export function clientMetadataOf(row: ClientRow): ClientMetadata {
  if (row.kind === "machine") return machineClientMetadataOf(row);
  const confidential = row.secret_hash !== null;
  const previousExpires = row.previous_secret_expires_at ? new Date(row.previous_secret_expires_at).getTime() : 0;
  return {
    client_id: row.id,
    client_name: row.name,
    ...(confidential ? { client_secret: row.secret_hash ?? "" } : {}),
    token_endpoint_auth_method: confidential ? "client_secret_basic" : "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: row.redirect_uris,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    ...(row.backchannel_logout_uri ? { backchannel_logout_uri: row.backchannel_logout_uri, backchannel_logout_session_required: true } : {}),
    id_token_signed_response_alg: "RS256",
    latchkey_first_party: row.first_party,
    latchkey_previous_secret_hash: row.previous_secret_hash && previousExpires > Date.now() ? row.previous_secret_hash : null,
    latchkey_previous_secret_expires_at: previousExpires > Date.now() ? previousExpires : null,
    latchkey_resources: row.resources,
  };
}

/**
 * A machine client: confidential, the client-credentials grant and nothing else (no redirect URI,
 * no response type: it can never start a sign-in), its scopes as the most it may ask for. A rotation
 * keeps no previous secret (decision 0028).
 */
function machineClientMetadataOf(row: ClientRow): ClientMetadata {
  return {
    client_id: row.id,
    client_name: row.name,
    client_secret: row.secret_hash ?? "",
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    scope: row.scopes.join(" "),
    latchkey_first_party: false,
    latchkey_previous_secret_hash: null,
    latchkey_previous_secret_expires_at: null,
    latchkey_resources: [],
    latchkey_company_id: row.company_id,
    latchkey_secret_version: Number(row.secret_version),
  };
}

export async function findClientMetadata(db: Executor, id: string): Promise<ClientMetadata | undefined> {
  const row = await findClientRow(db, id);
  return row ? clientMetadataOf(row) : undefined;
}
