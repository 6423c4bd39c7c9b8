import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { preparedStatement, type Executor } from "../../db/client.ts";
import { sessions } from "../../db/schema.ts";
import { linkedCompanyRule } from "../access/linked-company-access.ts";
import type { Role } from "../access/roles.ts";
import type { PersonActor } from "../access/actor.ts";
import { digestToken, newSecretToken } from "./tokens.ts";

export interface NewSession {
  userId: string;
  companyId: string;
  now: Date;
  ttlMs: number;
  clientAddress: string;
  userAgent: string | undefined;
}

/** Returns the cookie value; only its digest is stored. */
export async function createSession(db: Executor, input: NewSession): Promise<{ token: string; sessionId: string }> {
  const token = newSecretToken();
  const [row] = await db
    .insert(sessions)
    .values({
      tokenHash: digestToken(token),
      userId: input.userId,
      actingCompanyId: input.companyId,
      createdAt: input.now,
      lastSeenAt: input.now,
      expiresAt: new Date(input.now.getTime() + input.ttlMs),
      clientAddress: input.clientAddress,
      userAgent: input.userAgent?.slice(0, 300),
    })
    .returning({ id: sessions.id });
  if (!row) throw new Error("session insert returned nothing");
  return { token, sessionId: row.id };
}

/** How stale a session's "last seen" may be: the price of not writing on every request. */
export const LAST_SEEN_PRECISION_MS = 60_000;

interface SessionRow {
  session_id: string;
  user_id: string;
  name: string;
  email: string;
  role: Role;
  company_id: string;
  company_name: string;
  acting_company_id: string | null;
  acting_company_name: string | null;
  grant_id: string | null;
}

/**
 * One query decides whether a cookie still means an active user in a live company, and whether
 * they may still act in the company they switched into — by the linked-company rule of access/,
 * applied to the member as this row reads them. Nothing is cached, so a revoked grant or a
 * deactivation refuses the very next request. Every signed-in request runs it: it is built once
 * and prepared once per connection.
 */
const actorBySession = preparedStatement<SessionRow, { tokenHash: string; now: Date; seenBefore: Date }>("actor_by_session", sql`
    with seen as (
      -- "Last seen" for the sessions list (decision 0048): written at most once a minute per session,
      -- in this same statement, so a signed-in request costs no extra round trip and almost never a write.
      update sessions set last_seen_at = ${sql.placeholder("now")}
      where token_hash = ${sql.placeholder("tokenHash")} and revoked_at is null and last_seen_at < ${sql.placeholder("seenBefore")}
    )
    select s.id as session_id, u.id as user_id, u.name, u.email, u.role, u.company_id, c.name as company_name,
           ac.id as acting_company_id, ac.name as acting_company_name, g.id as grant_id
    from sessions s
    join users u on u.id = s.user_id and u.status = 'active'
    join companies c on c.id = u.company_id and c.deleted_at is null
    left join companies ac on ac.id = s.acting_company_id and ac.id <> u.company_id
      and ${linkedCompanyRule(sql`ac`, { userId: sql`u.id`, companyId: sql`u.company_id`, role: sql`u.role` })}
    left join management_grants g on g.company_id = ac.id and g.team_member_id = u.id
    where s.token_hash = ${sql.placeholder("tokenHash")} and s.revoked_at is null and s.expires_at > ${sql.placeholder("now")}
    limit 1`);

/** The actor behind a session cookie's value, if any: absent or oversized values (never a token we issued) are no session. */
export async function findActorBySessionToken(db: Executor, token: string | undefined, now: Date, clientAddress: string): Promise<PersonActor | null> {
  if (!token || token.length > 200) return null;
  const [row] = await actorBySession(db, { tokenHash: digestToken(token), now, seenBefore: new Date(now.getTime() - LAST_SEEN_PRECISION_MS) });
  if (!row) return null;
  // No linked company the member may still act in (never switched, or the right is gone): their own.
  const linked = row.acting_company_id !== null && row.acting_company_name !== null ? { id: row.acting_company_id, name: row.acting_company_name } : null;
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    name: row.name,
    email: row.email,
    role: row.role,
    companyId: row.company_id,
    companyName: row.company_name,
    actingCompanyId: linked?.id ?? row.company_id,
    actingCompanyName: linked?.name ?? row.company_name,
    grantId: linked ? row.grant_id : null,
    implicitAccess: linked !== null && row.grant_id === null,
    clientAddress,
    client: null,
  };
}

export async function revokeSession(db: Executor, sessionId: string, now: Date): Promise<void> {
  await db.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Ends every session of a user, except the one given (the caller who changed their own password); returns the ids ended. */
export async function revokeSessionsOfUser(db: Executor, userId: string, now: Date, exceptSessionId?: string): Promise<string[]> {
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)];
  if (exceptSessionId) conditions.push(sql`${sessions.id} <> ${exceptSessionId}`);
  const ended = await db.update(sessions).set({ revokedAt: now }).where(and(...conditions)).returning({ id: sessions.id });
  return ended.map((row) => row.id);
}
