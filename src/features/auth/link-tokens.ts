import { and, eq, gt, inArray, isNull, notInArray, sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { companies, linkTokens, users } from "../../db/schema.ts";
import { digestToken, newSecretToken } from "./tokens.ts";
import { linkState, type LinkState } from "../../db/link-state.ts";

/**
 * The link machinery shared by invitations and password resets: 256-bit tokens of which only the
 * SHA-256 is stored, one live link per user, opening never consumes, one atomic consume.
 */
export type LinkPurpose = "invite" | "reset";

export interface IssueLinkInput {
  userId: string;
  purpose: LinkPurpose;
  ttlMs: number;
  now: Date;
  requestedByUserId?: string | null;
  requestedByCompanyId?: string | null;
  /** A machine client that asked (issue 17). */
  requestedByClient?: { id: string; name: string } | null;
  grantId?: string | null;
}

const live = (now: Date) =>
  and(isNull(linkTokens.usedAt), isNull(linkTokens.supersededAt), isNull(linkTokens.revokedAt), gt(linkTokens.expiresAt, now));

/** Serialises link issuance per user until the transaction ends; taken by issuers only, so it cannot deadlock with a consume. */
const ISSUE_LOCK_SPACE = 7406854;

/** The row of a new link: only the token's digest is kept. */
function linkRow(input: IssueLinkInput, token: string, expiresAt: Date) {
  return {
    userId: input.userId,
    purpose: input.purpose,
    tokenHash: digestToken(token),
    createdAt: input.now,
    expiresAt,
    requestedByUserId: input.requestedByUserId ?? null,
    requestedByCompanyId: input.requestedByCompanyId ?? null,
    requestedByClientId: input.requestedByClient?.id ?? null,
    requestedByClientName: input.requestedByClient?.name ?? null,
    grantId: input.grantId ?? null,
  };
}

/**
 * Issues a new link and supersedes every older live one of the user. Returns the raw token once.
 * Call it in a transaction: two concurrent issues for one user would otherwise both find nothing
 * to supersede and leave two live links.
 */
export async function issueLinkToken(tx: Executor, input: IssueLinkInput) {
  await tx.execute(sql`select pg_advisory_xact_lock(${ISSUE_LOCK_SPACE}, hashtext(${input.userId}))`);
  await tx
    .update(linkTokens)
    .set({ supersededAt: input.now })
    .where(and(eq(linkTokens.userId, input.userId), live(input.now)));
  const token = newSecretToken();
  const expiresAt = new Date(input.now.getTime() + input.ttlMs);
  const [row] = await tx
    .insert(linkTokens)
    .values(linkRow(input, token, expiresAt))
    .returning({ id: linkTokens.id });
  if (!row) throw new Error("link insert returned nothing");
  return { token, id: row.id, expiresAt };
}

/**
 * issueLinkToken for many users at once (the forgot-password worker's batches, decision 0034), in
 * four statements whatever the count: the users' issue locks (in one order, so two batches cannot
 * deadlock), every new link, then every older live link of those users superseded. A user named
 * twice gets two links, and only the last stays live, as two calls in turn would leave it.
 * Returns the raw tokens once, in the order asked.
 */
export async function issueLinkTokens(tx: Executor, inputs: Omit<IssueLinkInput, "requestedByClient">[]) {
  if (inputs.length === 0) return [];
  const userIds = [...new Set(inputs.map((input) => input.userId))];
  await tx.execute(sql`select pg_advisory_xact_lock(${ISSUE_LOCK_SPACE}, h) from (select distinct hashtext(u) as h from unnest(array[${sql.join(userIds.map((id) => sql`${id}`), sql`, `)}]::text[]) as u order by h) as locks`);
  const issued = inputs.map((input) => ({ input, token: newSecretToken(), expiresAt: new Date(input.now.getTime() + input.ttlMs) }));
  const rows = await tx
    .insert(linkTokens)
    .values(
      issued.map(({ input, token, expiresAt }) => linkRow(input, token, expiresAt)),
    )
    .returning({ id: linkTokens.id, tokenHash: linkTokens.tokenHash });
  const idByHash = new Map(rows.map((row) => [row.tokenHash, row.id]));
  const links = issued.map(({ input, token, expiresAt }) => {
    const id = idByHash.get(digestToken(token));
    if (!id) throw new Error("link insert returned nothing");
    return { userId: input.userId, token, id, expiresAt };
  });
  const lastOfUser = [...new Map(links.map((link) => [link.userId, link.id])).values()];
  const now = inputs[0]?.now ?? new Date();
  await tx
    .update(linkTokens)
    .set({ supersededAt: now })
    .where(and(inArray(linkTokens.userId, userIds), live(now), notInArray(linkTokens.id, lastOfUser)));
  return links.map(({ token, id, expiresAt }) => ({ token, id, expiresAt }));
}

/** Kills every live link of a user: password change, email change, deactivation, admin revoke. */
export async function revokeLiveLinks(tx: Executor, userId: string, reason: string, now: Date): Promise<number> {
  const rows = await tx
    .update(linkTokens)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(linkTokens.userId, userId), live(now)))
    .returning({ id: linkTokens.id });
  return rows.length;
}

/** Revokes one link if it is still live; false when it was already used, expired, superseded or revoked. */
export async function revokeLinkToken(tx: Executor, linkId: string, reason: string, now: Date): Promise<boolean> {
  const rows = await tx
    .update(linkTokens)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(linkTokens.id, linkId), live(now)))
    .returning({ id: linkTokens.id });
  return rows.length > 0;
}

export type InspectedLink =
  | { ok: true; linkId: string; purpose: LinkPurpose; userId: string; email: string; name: string; companyName: string; expiresAt: Date }
  | { ok: false; reason: "invalid" | Exclude<LinkState, "pending">; purpose?: LinkPurpose; userId?: string; companyId?: string };

/** Reads what a link is and whether it still works. Consumes nothing: mail scanners open links. */
export async function inspectLinkToken(db: Executor, token: string, now: Date): Promise<InspectedLink> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: "invalid" };
  const [row] = await db
    .select({
      id: linkTokens.id,
      purpose: linkTokens.purpose,
      userId: linkTokens.userId,
      usedAt: linkTokens.usedAt,
      supersededAt: linkTokens.supersededAt,
      revokedAt: linkTokens.revokedAt,
      expiresAt: linkTokens.expiresAt,
      email: users.email,
      name: users.name,
      status: users.status,
      companyId: users.companyId,
      companyName: companies.name,
      companyDeletedAt: companies.deletedAt,
    })
    .from(linkTokens)
    .innerJoin(users, eq(users.id, linkTokens.userId))
    .innerJoin(companies, eq(companies.id, users.companyId))
    .where(eq(linkTokens.tokenHash, digestToken(token)))
    .limit(1);
  if (!row) return { ok: false, reason: "invalid" };
  const owner = { purpose: row.purpose, userId: row.userId, companyId: row.companyId };
  const state = linkState(row, now);
  if (state !== "pending") return { ok: false, reason: state, ...owner };
  if (row.status !== "active" || row.companyDeletedAt) return { ok: false, reason: "revoked", ...owner };
  return {
    ok: true,
    linkId: row.id,
    purpose: row.purpose,
    userId: row.userId,
    email: row.email,
    name: row.name,
    companyName: row.companyName,
    expiresAt: row.expiresAt,
  };
}

/**
 * Consumes a link in one statement, so of two concurrent submissions exactly one gets the row.
 * The user it acts on is the one bound to the token, whatever the request said.
 */
export async function consumeLinkToken(tx: Executor, token: string, now: Date) {
  const [row] = await tx
    .update(linkTokens)
    .set({ usedAt: now })
    .where(and(eq(linkTokens.tokenHash, digestToken(token)), live(now), sql`exists (select 1 from users u join companies c on c.id = u.company_id where u.id = ${linkTokens.userId} and u.status = 'active' and c.deleted_at is null)`))
    .returning({ id: linkTokens.id, userId: linkTokens.userId, purpose: linkTokens.purpose, requestedByUserId: linkTokens.requestedByUserId });
  return row ?? null;
}
