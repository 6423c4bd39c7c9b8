import { desc, eq, sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { emails } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { devMailboxEnabled } from "./dev-mailbox-enabled.ts";

const MAILBOX_SIZE = 100;

export const mailboxSummaryColumns = {
  id: emails.id,
  kind: emails.kind,
  to: emails.toAddress,
  subject: emails.subject,
  status: emails.status,
  createdAt: emails.createdAt,
  sentAt: emails.sentAt,
};

/** The newest emails, optionally only those to one address (case-insensitive). */
export async function listMailboxEmails(deps: Pick<Deps, "db" | "config">, filter: { to?: string | undefined } = {}) {
  assertThat(devMailboxEnabled(deps.config), "NOT_FOUND");
  const to = filter.to?.trim().toLowerCase();
  return deps.db
    .select(mailboxSummaryColumns)
    .from(emails)
    .where(to ? eq(sql`lower(${emails.toAddress})`, to) : undefined)
    .orderBy(desc(emails.createdAt), desc(emails.id))
    .limit(MAILBOX_SIZE);
}
