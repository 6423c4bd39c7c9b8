import { sql } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Config } from "../../config.ts";
import { preparedStatement, type Executor } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { ClientActor } from "../access/actor.ts";
import { isApiScope } from "../access/api-scopes.ts";
import { linkedCompanyRule } from "../access/linked-company-access.ts";
import { apiAudience } from "./api-audience.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The access token's shape before any cryptography: three base64url parts, no longer than any we sign. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

interface ClientRow {
  id: string;
  name: string;
  scopes: string[];
  company_id: string;
  company_name: string;
  acting_company_id: string | null;
  acting_company_name: string | null;
}

const param = (name: string) => sql.placeholder(name);

/**
 * The one lookup of a bearer request (decision 0029): the client still exists, its secret has not
 * been rotated since the token was issued, its company is live, and — when the request names a
 * linked company — the parent's administrators may act there (the linked-company rule of access/,
 * applied as to the parent's administrator). Nothing is cached: deleting the client or its company
 * refuses the very next request on every instance. last_used_at is written in the same statement,
 * at most once a minute, so a busy client costs no write per request.
 */
const clientForToken = preparedStatement<ClientRow, { id: string; version: number; acting: string | null; now: Date }>("api_client_for_token", sql`
    with k as (
      select k.id, k.name, k.scopes, k.last_used_at, c.id as company_id, c.name as company_name,
             ac.id as acting_company_id, ac.name as acting_company_name
      from oidc_clients k
      join companies c on c.id = k.company_id and c.deleted_at is null
      left join companies ac on ac.id = ${param("acting")}::uuid and ac.id <> c.id
        and ${linkedCompanyRule(sql`ac`, { userId: sql`null::uuid`, companyId: sql`c.id`, role: sql`'administrator'` })}
      where k.id = ${param("id")} and k.kind = 'machine' and k.secret_version = ${param("version")}::int
    ), touched as (
      update oidc_clients set last_used_at = ${param("now")}::timestamptz from k
      where oidc_clients.id = k.id and (k.last_used_at is null or k.last_used_at < ${param("now")}::timestamptz - interval '1 minute')
    )
    select id, name, scopes, company_id, company_name, acting_company_id, acting_company_name from k`);

export interface BearerRequest {
  token: string;
  /** The Latchkey-Company header: the linked company the client acts in, if not its own. */
  actingCompanyId: string | undefined;
  clientAddress: string;
}

/**
 * The machine client behind a bearer token, or UNAUTHENTICATED. The token is checked like any
 * resource server would (RFC 9068: our issuer, the API's audience, RS256 only, typ at+jwt, not
 * expired), against the provider's own published keys, and must be a client-credentials token: its
 * subject is the client itself, never a user.
 */
export async function authenticateApiClient(
  deps: { db: Executor; config: Pick<Config, "publicUrl">; now: Date },
  keys: JWTVerifyGetKey,
  request: BearerRequest,
): Promise<ClientActor> {
  if (request.token.length > 4096 || !JWT_SHAPE.test(request.token)) throw new AppError("UNAUTHENTICATED", "The bearer token is not valid.");
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(request.token, keys, {
      issuer: deps.config.publicUrl,
      audience: apiAudience(deps.config),
      algorithms: ["RS256"],
      typ: "at+jwt",
      requiredClaims: ["exp", "iat", "sub", "client_id"],
    });
    claims = verified.payload;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw new AppError("UNAUTHENTICATED", "The bearer token is not valid or has expired.");
    throw error;
  }
  const clientId = claims.client_id;
  const version = claims.secret_version;
  if (typeof clientId !== "string" || claims.sub !== clientId || typeof version !== "number" || !Number.isInteger(version) || clientId.length > 100) {
    throw new AppError("UNAUTHENTICATED", "The bearer token is not a machine client's token.");
  }
  const named = request.actingCompanyId;
  if (named !== undefined && !UUID.test(named)) throw new AppError("VALIDATION_FAILED", "Latchkey-Company must be a company id.");
  const [row] = await clientForToken(deps.db, { id: clientId, version, acting: named ?? null, now: deps.now });
  if (!row) throw new AppError("UNAUTHENTICATED", "The API client no longer exists, its secret was rotated, or its company was deleted.");
  const inOwn = named === undefined || named.toLowerCase() === row.company_id.toLowerCase();
  // A company the client may not act in answers like a missing one.
  if (!inOwn && row.acting_company_id === null) throw new AppError("NOT_FOUND", "No company you may act in has this id.");
  const acting = inOwn ? { id: row.company_id, name: row.company_name } : { id: row.acting_company_id ?? "", name: row.acting_company_name ?? "" };
  // Scopes come from the row, not the token: a client whose scopes were narrowed is narrowed now.
  const tokenScopes = new Set(typeof claims.scope === "string" ? claims.scope.split(" ") : []);
  return {
    sessionId: null,
    userId: null,
    email: null,
    name: row.name,
    role: "administrator",
    companyId: row.company_id,
    companyName: row.company_name,
    actingCompanyId: acting.id,
    actingCompanyName: acting.name,
    grantId: null,
    implicitAccess: !inOwn,
    clientAddress: request.clientAddress,
    client: { id: row.id, name: row.name, scopes: row.scopes.filter(isApiScope).filter((scope) => tokenScopes.has(scope)) },
  };
}
