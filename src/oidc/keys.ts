import { createHash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import { queryRows, type Db, type Executor } from "../db/client.ts";

/** The keys a provider instance is built with. The keystore is fixed at construction: new keys = a new instance. */
export interface ProviderKeys {
  /** Private JWKs, the one that signs first (the library signs with the first key of the alg). */
  signing: JWK[];
  /** Newest first: cookies are signed with the first and checked against all. */
  cookie: string[];
  /** Changes whenever the set or the order changes. */
  fingerprint: string;
}

export const SIGNING_ALG = "RS256";
const KEYS_LOCK = 7406854;

interface KeyRow {
  id: string;
  purpose: "signing" | "cookie";
  kid: string | null;
  private_jwk: JWK | null;
  secret: string | null;
  signs_from: Date | string;
}

async function newSigningKey(): Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  // exportJWK leaves out what the provider and the clients choose keys by.
  const labels = { kid, alg: SIGNING_ALG, use: "sig" };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), ...labels }, publicJwk: { ...publicJwk, ...labels } };
}

async function insertSigningKey(db: Executor, signsFrom: Date): Promise<string> {
  const key = await newSigningKey();
  await db.execute(sql`
    insert into oidc_keys (purpose, kid, private_jwk, public_jwk, signs_from)
    values ('signing', ${key.kid}, ${JSON.stringify(key.privateJwk)}::jsonb, ${JSON.stringify(key.publicJwk)}::jsonb, ${signsFrom})`);
  return key.kid;
}

/**
 * First start: one signing key and one cookie key, created once even when several instances start
 * together (the advisory lock; the RSA key is generated before taking it, it costs ~100 ms).
 */
export async function ensureKeys(db: Db, now: Date): Promise<void> {
  const [existing] = await queryRows<{ signing: number; cookie: number }>(db, sql`
    select count(*) filter (where purpose = 'signing')::int as signing, count(*) filter (where purpose = 'cookie')::int as cookie from oidc_keys`);
  if (existing && existing.signing > 0 && existing.cookie > 0) return;
  const candidate = await newSigningKey();
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEYS_LOCK})`);
    const [count] = await queryRows<{ signing: number; cookie: number }>(tx, sql`
      select count(*) filter (where purpose = 'signing')::int as signing, count(*) filter (where purpose = 'cookie')::int as cookie from oidc_keys`);
    if (count?.signing === 0) {
      await tx.execute(sql`
        insert into oidc_keys (purpose, kid, private_jwk, public_jwk, signs_from)
        values ('signing', ${candidate.kid}, ${JSON.stringify(candidate.privateJwk)}::jsonb, ${JSON.stringify(candidate.publicJwk)}::jsonb, ${now})`);
    }
    if (count?.cookie === 0) {
      await tx.execute(sql`insert into oidc_keys (purpose, secret, signs_from) values ('cookie', ${randomBytes(32).toString("base64url")}, ${now})`);
    }
  });
}

/**
 * The keys in force at `now`: the signing key is the newest whose time has come; keys waiting to
 * sign and retired keys still within their publication are published after it, so a client's cached
 * JWKS knows a key before it signs and after it stops.
 */
export async function loadKeys(db: Executor, now: Date): Promise<ProviderKeys> {
  const rows = await queryRows<KeyRow>(db, sql`
    select id, purpose, kid, private_jwk, secret, signs_from from oidc_keys
    where publish_until is null or publish_until > ${now}
    order by signs_from desc, created_at desc`);
  const signing = rows.filter((row) => row.purpose === "signing" && row.private_jwk);
  const signer = signing.find((row) => new Date(row.signs_from) <= now) ?? signing.at(-1);
  const ordered = signer ? [signer, ...signing.filter((row) => row !== signer)] : [];
  const cookie = rows.filter((row) => row.purpose === "cookie" && row.secret && new Date(row.signs_from) <= now);
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([ordered.map((row) => row.id), cookie.map((row) => row.id)]))
    .digest("base64url");
  return { signing: ordered.map((row) => row.private_jwk as JWK), cookie: cookie.map((row) => row.secret as string), fingerprint };
}

export interface RotatedKey {
  newKid: string;
  signsFrom: Date;
  retiredKids: string[];
  publishedUntil: Date;
}

/**
 * A new signing key, published at once, signing from `signsFrom`; the keys signing before retire at
 * that moment and stay published for `publishFor` after it (the longest a token they signed lives),
 * or leave at once when `immediate` (a compromised key).
 */
export async function rotateSigningKey(db: Db, input: { now: Date; signsFrom: Date; publishForMs: number; immediate: boolean }): Promise<RotatedKey> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEYS_LOCK})`);
    const newKid = await insertSigningKey(tx, input.signsFrom);
    const publishedUntil = input.immediate ? input.now : new Date(input.signsFrom.getTime() + input.publishForMs);
    const retired = await queryRows<{ kid: string }>(tx, sql`
      update oidc_keys set retired_at = ${input.signsFrom}, publish_until = ${publishedUntil}
      where purpose = 'signing' and kid <> ${newKid} and retired_at is null
      returning kid`);
    return { newKid, signsFrom: input.signsFrom, retiredKids: retired.map((row) => row.kid), publishedUntil };
  });
}

export interface PublishedKey {
  kid: string;
  signsFrom: Date;
  retiredAt: Date | null;
  publishUntil: Date | null;
}

/** What the operator may see: never a private member. */
export async function listSigningKeys(db: Executor): Promise<PublishedKey[]> {
  const rows = await queryRows<{ kid: string; signs_from: Date | string; retired_at: Date | string | null; publish_until: Date | string | null }>(db, sql`
    select kid, signs_from, retired_at, publish_until from oidc_keys where purpose = 'signing' order by signs_from`);
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return rows.map((row) => ({ kid: row.kid, signsFrom: new Date(row.signs_from), retiredAt: date(row.retired_at), publishUntil: date(row.publish_until) }));
}
