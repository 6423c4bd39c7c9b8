import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { sessions } from "../../db/schema.ts";
import { describeDevice } from "./describe-device.ts";

export interface SessionView {
  id: string;
  device: string;
  clientAddress: string | null;
  signedInAt: Date;
  lastSeenAt: Date;
  /** The session the request came with. */
  current: boolean;
}

/** A user's live sessions, the most recently seen first. */
export async function liveSessionsOfUser(db: Executor, userId: string, now: Date, currentSessionId: string | null): Promise<SessionView[]> {
  const rows = await db
    .select({ id: sessions.id, userAgent: sessions.userAgent, clientAddress: sessions.clientAddress, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .limit(100);
  return rows.map((row) => ({
    id: row.id,
    device: describeDevice(row.userAgent),
    clientAddress: row.clientAddress,
    signedInAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    current: row.id === currentSessionId,
  }));
}

/** Ends one live session of this user; false when there is none by that id (another user's is none). */
export async function revokeSessionOfUser(db: Executor, userId: string, sessionId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .returning({ id: sessions.id });
  return rows.length > 0;
}
