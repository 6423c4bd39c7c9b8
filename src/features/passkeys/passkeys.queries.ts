import { and, asc, eq, sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import { passkeys } from "../../db/schema.ts";

export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  deviceType: string | null;
  backedUp: boolean;
}

/** The user's passkeys as their settings list them: never the key or the credential id. */
export function listPasskeysOf(db: Executor, userId: string): Promise<PasskeySummary[]> {
  return db
    .select({ id: passkeys.id, name: passkeys.name, createdAt: passkeys.createdAt, lastUsedAt: passkeys.lastUsedAt, deviceType: passkeys.deviceType, backedUp: passkeys.backedUp })
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(asc(passkeys.createdAt), asc(passkeys.id));
}

/** What an assertion is checked against. */
export interface StoredCredential {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: string;
  signCount: number;
  transports: string[];
}

/** A user's credentials, for allowCredentials / excludeCredentials. */
export function credentialsOf(db: Executor, userId: string): Promise<StoredCredential[]> {
  return db
    .select({ id: passkeys.id, userId: passkeys.userId, credentialId: passkeys.credentialId, publicKey: passkeys.publicKey, signCount: passkeys.signCount, transports: passkeys.transports })
    .from(passkeys)
    .where(eq(passkeys.userId, userId));
}

/**
 * The credential of a passwordless sign-in, with its user, only while that user is active in a
 * live company that allows passkey sign-in: any other case is no row, so the caller cannot tell an
 * unknown passkey from a refused one (and neither can the person holding it).
 */
export async function findCredentialForSignIn(db: Executor, credentialId: string): Promise<(StoredCredential & { companyId: string; email: string }) | null> {
  const rows = await queryRows<{ id: string; user_id: string; credential_id: string; public_key: string; sign_count: string | number; transports: string[]; company_id: string; email_normalized: string }>(
    db,
    sql`select p.id, p.user_id, p.credential_id, p.public_key, p.sign_count, p.transports, u.company_id, u.email_normalized
        from passkeys p
        join users u on u.id = p.user_id and u.status = 'active'
        join companies c on c.id = u.company_id and c.deleted_at is null and c.passkey_sign_in_allowed
        where p.credential_id = ${credentialId}
        limit 1`,
  );
  const row = rows[0];
  if (!row) return null;
  return { id: row.id, userId: row.user_id, credentialId: row.credential_id, publicKey: row.public_key, signCount: Number(row.sign_count), transports: row.transports, companyId: row.company_id, email: row.email_normalized };
}

/**
 * Records a use: the new counter only if the stored one is still below it (or both stay 0, for
 * authenticators that keep no counter), so two answers racing with one counter value cannot both
 * pass the clone check. False when the counter did not move forward.
 */
export async function recordPasskeyUse(db: Executor, passkeyId: string, newCounter: number, now: Date): Promise<boolean> {
  const rows = await db
    .update(passkeys)
    .set({ signCount: newCounter, lastUsedAt: now })
    .where(and(eq(passkeys.id, passkeyId), sql`(${passkeys.signCount} < ${newCounter} or (${passkeys.signCount} = 0 and ${newCounter}::bigint = 0))`))
    .returning({ id: passkeys.id });
  return rows.length === 1;
}

/**
 * Whether the user keeps a second factor besides the passkey named: a confirmed authenticator app
 * (totp_factors, built beside this) or another passkey. Read here directly so the rule "removing
 * the last factor asks for the password" needs no other feature's code.
 */
export async function hasOtherFactor(db: Executor, userId: string, exceptPasskeyId: string): Promise<boolean> {
  const rows = await queryRows<{ other: boolean }>(
    db,
    sql`select exists (select 1 from totp_factors where user_id = ${userId} and confirmed_at is not null)
            or exists (select 1 from passkeys where user_id = ${userId} and id <> ${exceptPasskeyId}) as other`,
  );
  return rows[0]?.other === true;
}
