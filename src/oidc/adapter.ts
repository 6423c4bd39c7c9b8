import { sql } from "drizzle-orm";
import type { Adapter, AdapterPayload, ClientMetadata } from "oidc-provider";
import { errors } from "oidc-provider";
import { preparedStatement, type Db } from "../db/client.ts";
import { findClientMetadata, isClientIdLookable } from "../features/oidc/clients.queries.ts";
import { keepForEndOfRequest } from "./issued-tokens.ts";
import { isResumeRequest, isUserinfoRequest, mayBeStored, prefetchInteraction, prefetchKey, prefetchToken, takePrefetched, tokenPresented } from "./prefetch.ts";

const param = (name: string) => sql.placeholder(name);

interface PayloadRow {
  payload: AdapterPayload;
  consumed: boolean;
}

// The provider's storage is on every token's path (refresh, userinfo): each statement is prepared
// once per connection, the model name a parameter (decision 0010).
/**
 * PostgreSQL's jsonb cannot hold U+0000, and the provider keeps some request values as sent (the
 * `state` of an end-session request goes into the Session payload): a NUL in them would make the
 * upsert fail, a 500. Kept as U+FFFD instead, as the audit log keeps control characters.
 */
const withoutNul = (_key: string, value: unknown) => (typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\ufffd") : value);

const upsertPayload = preparedStatement<never, { model: string; id: string; payload: string; grantId: string | null; uid: string | null; accountId: string | null; expiresAt: Date }>("oidc_upsert", sql`
    insert into oidc_payloads (model, id, payload, grant_id, uid, account_id, expires_at)
    values (${param("model")}, ${param("id")}, ${param("payload")}::jsonb, ${param("grantId")}, ${param("uid")}, ${param("accountId")}, ${param("expiresAt")})
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
      account_id = excluded.account_id, expires_at = excluded.expires_at`);

const findPayload = preparedStatement<PayloadRow, { model: string; id: string }>("oidc_find", sql`
    select payload, consumed_at is not null as consumed from oidc_payloads where model = ${param("model")} and id = ${param("id")}`);

const findPayloadByUid = preparedStatement<PayloadRow, { model: string; uid: string }>("oidc_find_uid", sql`
    select payload, consumed_at is not null as consumed from oidc_payloads where model = ${param("model")} and uid = ${param("uid")} limit 1`);

/**
 * Conditional, so two concurrent uses of one code or refresh token cannot both be the first: the
 * library reads `consumed` and consumes later, and between the two another request can pass the same
 * check (decision 0027, pitfall 4).
 */
const consumePayload = preparedStatement<{ grant_id: string | null }, { model: string; id: string }>("oidc_consume", sql`
    update oidc_payloads set consumed_at = now() where model = ${param("model")} and id = ${param("id")} and consumed_at is null returning grant_id`);

const destroyPayload = preparedStatement<never, { model: string; id: string }>("oidc_destroy", sql`
    delete from oidc_payloads where model = ${param("model")} and id = ${param("id")}`);

const revokePayloadsOfGrant = preparedStatement<never, { model: string; grantId: string }>("oidc_revoke_grant", sql`
    delete from oidc_payloads where model = ${param("model")} and grant_id = ${param("grantId")}`);

const stringOrNull = (value: unknown) => (typeof value === "string" ? value : null);

export interface AdapterHooks {
  /** A code or refresh token was used a second time: the grant it belongs to dies (decision 0027, section 9). */
  onReuse(grantId: string): Promise<void>;
  /** The clock findAccount reads grants' expiry with, for the account read ahead with a token. */
  now(): Date;
}

/**
 * The provider's models over one table, oidc_payloads; its clients from oidc_clients (registered by
 * the operator, never through the provider). Expired rows are returned until housekeeping prunes
 * them: the library checks expiry itself, with its own clock.
 */
export function adapterFactory(db: Db, hooks: AdapterHooks) {
  return (model: string): Adapter => {
    if (model === "Client") {
      return {
        async find(id: string) {
          if (!isClientIdLookable(id)) return undefined;
          const prefetched = takePrefetched<ClientMetadata | undefined>(prefetchKey.client(id));
          if (prefetched) return prefetched.value;
          // At the token endpoint the client comes first: the code or refresh token is read with it.
          const token = tokenPresented();
          if (token) {
            await prefetchToken(db, { ...token, clientId: id, now: hooks.now() });
            const read = takePrefetched<ClientMetadata | undefined>(prefetchKey.client(id));
            if (read) return read.value;
          }
          return findClientMetadata(db, id);
        },
        upsert: async () => {
          throw new Error("clients are registered by the operator, never through the provider");
        },
        findByUid: async () => undefined,
        findByUserCode: async () => undefined,
        consume: async () => undefined,
        destroy: async () => undefined,
        revokeByGrantId: async () => undefined,
      };
    }
    return {
      async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
        const row = {
          model,
          id,
          payload: JSON.stringify(payload, withoutNul),
          // A Grant row carries its own id, so one delete by grant_id takes the grant and its tokens.
          grantId: model === "Grant" ? id : stringOrNull(payload.grantId),
          uid: stringOrNull(payload.uid),
          accountId: stringOrNull(payload.accountId),
          expiresAt: new Date(Date.now() + expiresIn * 1000),
        };
        if (keepForEndOfRequest(row)) return;
        await upsertPayload(db, row);
      },
      async find(id: string) {
        if (!mayBeStored(id)) return undefined;
        const prefetched = takePrefetched<AdapterPayload | undefined>(prefetchKey.payload(model, id));
        if (prefetched) return prefetched.value;
        // Userinfo starts with the access token: its session, grant, client and account come with it.
        // The authorization's resume starts with the interaction: its client, grant and account.
        const readAhead =
          model === "AccessToken" && isUserinfoRequest()
            ? prefetchToken(db, { model, id, clientId: null, now: hooks.now() })
            : model === "Interaction" && isResumeRequest()
              ? prefetchInteraction(db, id)
              : null;
        if (readAhead) {
          await readAhead;
          const read = takePrefetched<AdapterPayload | undefined>(prefetchKey.payload(model, id));
          if (read) return read.value;
        }
        const [row] = await findPayload(db, { model, id });
        if (!row) return undefined;
        return row.consumed ? { ...row.payload, consumed: true } : row.payload;
      },
      async findByUid(uid: string) {
        if (!mayBeStored(uid)) return undefined;
        const prefetched = model === "Session" ? takePrefetched<AdapterPayload | undefined>(prefetchKey.session(uid)) : undefined;
        if (prefetched) return prefetched.value;
        const [row] = await findPayloadByUid(db, { model, uid });
        return row?.payload;
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id: string) {
        const [row] = await consumePayload(db, { model, id });
        if (row) return;
        // Someone consumed it between the library's check and now: the same answer as a plain reuse.
        const [existing] = await findPayload(db, { model, id });
        const grantId = existing ? stringOrNull(existing.payload.grantId) : null;
        if (grantId) await hooks.onReuse(grantId);
        throw new errors.InvalidGrant(`${model === "AuthorizationCode" ? "authorization code" : "refresh token"} already used`);
      },
      async destroy(id: string) {
        await destroyPayload(db, { model, id });
      },
      async revokeByGrantId(grantId: string) {
        await revokePayloadsOfGrant(db, { model, grantId });
      },
    };
  };
}
