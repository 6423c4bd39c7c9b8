import { sql } from "drizzle-orm";
import Provider, { type AdapterPayload, type ClientMetadata, type KoaContextWithOIDC } from "oidc-provider";
import { preparedStatement, type Db } from "../db/client.ts";
import { noControlChars } from "../features/control-characters.ts";
import { accountForGrantQuery, accountOnlyQuery, UUID, type AccountRow } from "../features/oidc/account-for-token.ts";
import { CLIENT_COLUMNS, clientMetadataOf, isClientIdLookable, type ClientRow } from "../features/oidc/clients.queries.ts";

/**
 * Whether a value a request presented (a code, a token, an interaction's uid) could be one the
 * provider stored: ours are short and printable, and PostgreSQL refuses a NUL in text outright — a
 * 500 at every endpoint, had the value reached the statement. Anything else is "not found" without a query.
 */
export const mayBeStored = (id: string) => id.length <= 200 && noControlChars(id);

interface PrefetchRow {
  token: AdapterPayload | null;
  token_consumed: boolean | null;
  session: AdapterPayload | null;
  grant: AdapterPayload | null;
  grant_consumed: boolean | null;
  client: ClientRow | null;
  account: AccountRow | null;
}

const param = (name: string) => sql.placeholder(name);
const payloadAccountId = sql`(case when t.payload->>'accountId' ~* ${sql.raw(`'${UUID.source}'`)} then (t.payload->>'accountId')::uuid end)`;

/**
 * A token with what the provider reads next about it, in one round trip: the Session it is bound to
 * (by uid), its Grant, the client (the one authenticating at the token endpoint, else the token's)
 * and the account as findAccount would read it. Each part is exactly what its own lookup selects.
 */
const prefetchStatement = preparedStatement<PrefetchRow, { model: string; id: string; clientId: string | null; now: Date }>("oidc_prefetch", sql`
    select t.payload as token, t.consumed_at is not null as token_consumed, s.payload as session,
           g.payload as grant, g.consumed_at is not null as grant_consumed, cl.client, acc.account
    from (select 1) as one
    left join oidc_payloads t on t.model = ${param("model")} and t.id = ${param("id")}
    left join lateral (select payload from oidc_payloads where model = 'Session' and uid = t.payload->>'sessionUid' limit 1) s on true
    left join oidc_payloads g on g.model = 'Grant' and g.id = t.payload->>'grantId'
    left join lateral (select to_jsonb(x) as client from (
      select ${CLIENT_COLUMNS} from oidc_clients where id = coalesce(${param("clientId")}::text, t.payload->>'clientId')) x) cl on true
    left join lateral (select to_jsonb(a) as account from (
      ${accountForGrantQuery(payloadAccountId, sql`(t.payload->>'grantId')`, sql`${param("now")}::timestamptz`)}) a) acc on true`);

interface InteractionRow {
  interaction: AdapterPayload | null;
  interaction_consumed: boolean | null;
  client: ClientRow | null;
  grant: AdapterPayload | null;
  grant_consumed: boolean | null;
  account: AccountRow | null;
}

const interactionPath = (path: string) => sql.raw(`i.payload #>> '{${path}}'`);
const loggedInAccountId = sql`(case when ${interactionPath("result,login,accountId")} ~* ${sql.raw(`'${UUID.source}'`)} then (${interactionPath("result,login,accountId")})::uuid end)`;

/**
 * An interaction the browser comes back to (the authorization's resume) with what the provider reads
 * next: the client it was for, the grant the sign-in page made, and the account that signed in.
 */
const interactionStatement = preparedStatement<InteractionRow, { id: string }>("oidc_prefetch_interaction", sql`
    select i.payload as interaction, i.consumed_at is not null as interaction_consumed, cl.client,
           g.payload as grant, g.consumed_at is not null as grant_consumed, acc.account
    from (select 1) as one
    left join oidc_payloads i on i.model = 'Interaction' and i.id = ${param("id")}
    left join lateral (select to_jsonb(x) as client from (
      select ${CLIENT_COLUMNS} from oidc_clients where id = ${interactionPath("params,client_id")}) x) cl on true
    left join oidc_payloads g on g.model = 'Grant' and g.id = ${interactionPath("result,consent,grantId")}
    left join lateral (select to_jsonb(a) as account from (${accountOnlyQuery(loggedInAccountId)}) a) acc on true`);

/** What each lookup is filed under for the request. */
export const prefetchKey = {
  payload: (model: string, id: string) => `${model}\0${id}`,
  session: (uid: string) => `Session.uid\0${uid}`,
  client: (id: string) => `Client\0${id}`,
  account: (userId: string, grantId: string) => `Account\0${userId}\0${grantId}`,
  accountWithoutGrant: (userId: string) => `Account\0${userId}`,
};

/** A hit holds the answer, which may be "not found" (undefined). */
export type Prefetched<T> = { value: T } | undefined;

// One per provider request (the Koa context oidc-provider keeps in its AsyncLocalStorage), gone with it.
const byRequest = new WeakMap<object, Map<string, unknown>>();

/**
 * The prefetched answer to one lookup, given once: a second lookup of the same thing in the same
 * request reads the database again, so a write the request made in between is always seen.
 */
export function takePrefetched<T>(key: string): Prefetched<T> {
  const ctx = Provider.ctx;
  const entries = ctx ? byRequest.get(ctx) : undefined;
  if (!entries?.has(key)) return undefined;
  const value = entries.get(key) as T;
  entries.delete(key);
  return { value };
}

const withConsumed = (payload: AdapterPayload | null, consumed: boolean | null) => (payload ? (consumed ? { ...payload, consumed: true } : payload) : undefined);
const str = (value: unknown) => (typeof value === "string" ? value : undefined);

/**
 * Reads a token and what comes with it, and files each part for the lookups the provider makes next
 * in this request (decision 0027, sections 4 and 12): userinfo becomes one query instead of five, a
 * refresh or code exchange reads in one what took five. Nothing changes but the number of round
 * trips: every part is filed only where its own lookup would have queried, and is the row that
 * lookup would have read.
 */
export async function prefetchToken(db: Db, input: { model: string; id: string; clientId: string | null; now: Date }): Promise<void> {
  const ctx = Provider.ctx;
  if (!ctx || !mayBeStored(input.id)) return;
  const [row] = await prefetchStatement(db, input);
  if (!row) return;
  let entries = byRequest.get(ctx);
  if (!entries) byRequest.set(ctx, (entries = new Map()));
  entries.set(prefetchKey.payload(input.model, input.id), withConsumed(row.token, row.token_consumed));
  const token = row.token ?? {};
  const sessionUid = str(token.sessionUid);
  if (sessionUid && mayBeStored(sessionUid)) entries.set(prefetchKey.session(sessionUid), row.session ?? undefined);
  const grantId = str(token.grantId);
  if (grantId && mayBeStored(grantId)) entries.set(prefetchKey.payload("Grant", grantId), withConsumed(row.grant, row.grant_consumed));
  const clientId = input.clientId ?? str(token.clientId);
  if (clientId && isClientIdLookable(clientId)) entries.set(prefetchKey.client(clientId), row.client ? (clientMetadataOf(row.client) as ClientMetadata) : undefined);
  const accountId = str(token.accountId);
  if (accountId && grantId && UUID.test(accountId)) entries.set(prefetchKey.account(accountId, grantId), row.account ?? undefined);
}

const objectAt = (value: unknown, key: string): Record<string, unknown> | undefined => {
  const inner = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return inner && typeof inner === "object" ? (inner as Record<string, unknown>) : undefined;
};

/**
 * At the authorization's resume: the interaction with its client, its grant and the signed-in
 * account (the lookups that follow it), filed as prefetchToken files a token's.
 */
export async function prefetchInteraction(db: Db, id: string): Promise<void> {
  const ctx = Provider.ctx;
  if (!ctx || !mayBeStored(id)) return;
  const [row] = await interactionStatement(db, { id });
  if (!row) return;
  let entries = byRequest.get(ctx);
  if (!entries) byRequest.set(ctx, (entries = new Map()));
  entries.set(prefetchKey.payload("Interaction", id), withConsumed(row.interaction, row.interaction_consumed));
  const clientId = str(objectAt(row.interaction, "params")?.client_id);
  if (clientId && isClientIdLookable(clientId)) entries.set(prefetchKey.client(clientId), row.client ? (clientMetadataOf(row.client) as ClientMetadata) : undefined);
  const result = objectAt(row.interaction, "result");
  const grantId = str(objectAt(result, "consent")?.grantId);
  if (grantId && mayBeStored(grantId)) entries.set(prefetchKey.payload("Grant", grantId), withConsumed(row.grant, row.grant_consumed));
  const accountId = str(objectAt(result, "login")?.accountId);
  if (accountId && UUID.test(accountId)) entries.set(prefetchKey.accountWithoutGrant(accountId), row.account ?? undefined);
}

/** Back from the sign-in page: the interaction is the first lookup. */
export const isResumeRequest = () => (Provider.ctx as KoaContextWithOIDC | undefined)?.oidc.route === "resume";

/**
 * At the token endpoint the client is looked up first: the token the request presents is read with
 * it. Which token that is comes from the grant type's own parameter.
 */
export function tokenPresented(): { model: "RefreshToken" | "AuthorizationCode"; id: string } | null {
  const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
  if (ctx?.oidc.route !== "token") return null;
  const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
  if (params.grant_type === "refresh_token" && typeof params.refresh_token === "string") return { model: "RefreshToken", id: params.refresh_token };
  if (params.grant_type === "authorization_code" && typeof params.code === "string") return { model: "AuthorizationCode", id: params.code };
  return null;
}

/** At userinfo the access token is the first lookup. */
export const isUserinfoRequest = () => (Provider.ctx as KoaContextWithOIDC | undefined)?.oidc.route === "userinfo";
