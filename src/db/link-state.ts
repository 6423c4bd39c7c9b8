/** What a stored link's columns say about it; the first that applies wins. */
export type LinkState = "pending" | "used" | "expired" | "superseded" | "revoked";

export interface LinkRow {
  usedAt: Date | null;
  supersededAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
}

/**
 * The life cycle of a row of link_tokens, read by the link pages (auth/) and by the email worker,
 * which drops an email whose link died before it left. It lives beside the schema so that email/
 * needs nothing from the features that issue links.
 */
export function linkState(link: LinkRow, now: Date): LinkState {
  if (link.usedAt) return "used";
  if (link.revokedAt) return "revoked";
  if (link.supersededAt) return "superseded";
  if (link.expiresAt.getTime() <= now.getTime()) return "expired";
  return "pending";
}
