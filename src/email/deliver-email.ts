import { and, eq, notInArray, sql } from "drizzle-orm";
import { preparedStatement } from "../db/client.ts";
import type { Deps } from "../deps.ts";
import { emails } from "../db/schema.ts";
import { linkState, type LinkRow } from "../db/link-state.ts";
import { MailDeliveryError } from "./transport.ts";
import { boundedLabel, metrics } from "../metrics/metrics.ts";
import { recordSmtpAttempt } from "./smtp-health.ts";

export type DeliveryOutcome =
  | { status: "sent" | "dropped" | "failed" }
  | { status: "settled-before" }
  | { status: "missing" }
  | { status: "retrying"; error: MailDeliveryError };

type DeliverDeps = Pick<Deps, "db" | "clock" | "config" | "mailTransport">;

/** One job of a delivery batch: the outbox row to send, and whether a temporary failure should be final. */
export interface DeliveryAttempt {
  emailId: string;
  lastAttempt: boolean;
}

/**
 * One delivery attempt of each outbox row of a batch (decision 0052): one statement reads every
 * email with the state of its link, the sends go out `lanes` at a time, and one statement settles
 * every email that left; a dead link or a failed send is settled on its own. Safe to repeat: a job
 * redelivered after a crash finds its row already settled and sends nothing. `lastAttempt` turns a
 * temporary failure into a final one. Returns the outcomes in order.
 */
export async function deliverEmails(deps: DeliverDeps, attempts: DeliveryAttempt[], lanes: number): Promise<DeliveryOutcome[]> {
  if (attempts.length === 0) return [];
  const rows = await readBatch(deps.db, { ids: [...new Set(attempts.map((attempt) => attempt.emailId))] });
  const byId = new Map(rows.map((row) => [row.id, toDue(row)]));
  const outcomes: DeliveryOutcome[] = [];
  const sent: { index: number; kind: string }[] = [];
  // The same email twice in a batch (a job sent twice by hand) goes out once.
  const taken = new Set<string>();
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < attempts.length; index = next++) {
      const attempt = attempts[index] as DeliveryAttempt;
      const row = byId.get(attempt.emailId);
      if (!row) {
        outcomes[index] = { status: "missing" };
        continue;
      }
      if (taken.has(attempt.emailId) || isSettled(row.email.status)) {
        outcomes[index] = { status: "settled-before" };
        continue;
      }
      taken.add(attempt.emailId);
      const outcome = await attemptOne(deps, row, attempt.lastAttempt);
      if (outcome === "sent") sent.push({ index, kind: row.email.kind });
      else outcomes[index] = outcome;
    }
  };
  // Every lane runs to its end even if one failed (the database refused a settlement): the emails
  // that left are settled either way, so the batch's retry finds them sent and sends nothing twice.
  const ended = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(lanes, attempts.length)) }, lane));
  if (sent.length > 0) {
    await settleSent(deps, sent.map(({ index }) => (attempts[index] as DeliveryAttempt).emailId));
    for (const { index, kind } of sent) {
      countDelivery(kind, "sent");
      outcomes[index] = { status: "sent" };
    }
  }
  const failed = ended.find((lane) => lane.status === "rejected");
  if (failed) throw failed.reason;
  return outcomes;
}

type EmailStatus = (typeof emails.$inferSelect)["status"];

/** What a delivery reads of an email and of its link, if it carries one. */
interface DueEmail {
  email: { id: string; kind: string; toAddress: string; subject: string; text: string; html: string; linkTokenId: string | null; status: EmailStatus; attempts: number };
  link: LinkRow | null;
}

interface BatchRow {
  id: string;
  kind: string;
  to_address: string;
  subject: string;
  text: string;
  html: string;
  link_token_id: string | null;
  status: EmailStatus;
  attempts: number;
  link_id: string | null;
  used_at: Date | string | null;
  superseded_at: Date | string | null;
  revoked_at: Date | string | null;
  expires_at: Date | string | null;
}

/** A batch's emails with the state of their links, in one prepared statement (no query building per batch). */
const readBatch = preparedStatement<BatchRow, { ids: string[] }>("email_delivery_read", sql`
    select e.id, e.kind, e.to_address, e.subject, e.text, e.html, e.link_token_id, e.status, e.attempts,
      l.id as link_id, l.used_at, l.superseded_at, l.revoked_at, l.expires_at
    from emails e left join link_tokens l on l.id = e.link_token_id
    where e.id = any(${sql.placeholder("ids")}::uuid[])`);

const dateOrNull = (value: Date | string | null) => (value === null ? null : new Date(value));

function toDue(row: BatchRow): DueEmail {
  const email = { id: row.id, kind: row.kind, toAddress: row.to_address, subject: row.subject, text: row.text, html: row.html, linkTokenId: row.link_token_id, status: row.status, attempts: Number(row.attempts) };
  if (row.link_id === null || row.expires_at === null) return { email, link: null };
  return { email, link: { usedAt: dateOrNull(row.used_at), supersededAt: dateOrNull(row.superseded_at), revokedAt: dateOrNull(row.revoked_at), expiresAt: new Date(row.expires_at) } };
}

const isSettled = (status: EmailStatus) => status === "sent" || status === "dropped" || status === "failed";

/** Sends one email that is still due; "sent" is settled by the caller with the rest of its batch. */
async function attemptOne(deps: DeliverDeps, { email, link }: DueEmail, lastAttempt: boolean): Promise<DeliveryOutcome | "sent"> {
  const deadLink = email.linkTokenId ? deadLinkState(link, deps.clock.now()) : null;
  if (deadLink) {
    // The recipient would find a dead link; a newer email (if any) carries the live one.
    await settle(deps, email.id, { status: "dropped", lastError: `link ${deadLink} before delivery`, attempts: email.attempts });
    countDelivery(email.kind, "dropped");
    return { status: "dropped" };
  }

  const started = performance.now();
  const smtp = deps.mailTransport.kind === "smtp";
  try {
    await deps.mailTransport.send({
      emailId: email.id,
      from: deps.config.mailFrom,
      to: email.toAddress,
      subject: email.subject,
      text: email.text,
      html: email.html,
    });
  } catch (error) {
    const failure = error instanceof MailDeliveryError ? error : new MailDeliveryError(unexpected(error), false);
    if (smtp) recordSmtpAttempt(performance.now() - started, !failure.permanent);
    const final = failure.permanent || lastAttempt;
    await settle(deps, email.id, { status: final ? "failed" : "retrying", lastError: failure.message, attempts: email.attempts + 1 });
    countDelivery(email.kind, final ? "failed" : "retrying");
    return final ? { status: "failed" } : { status: "retrying", error: failure };
  }
  if (smtp) recordSmtpAttempt(performance.now() - started, false);
  return "sent";
}

/** Kinds are the templates' names, a fixed set; a hand-written row's kind is counted as "other". */
function countDelivery(kind: string, state: "sent" | "dropped" | "failed" | "retrying"): void {
  metrics.emails.inc({ kind: boundedLabel(kind), state });
}

/** Why an email's link can no longer be used, or null while it can (a link deleted meanwhile counts as revoked). */
function deadLinkState(link: LinkRow | null, now: Date) {
  if (!link) return "revoked";
  const state = linkState(link, now);
  return state === "pending" ? null : state;
}

interface Settlement {
  status: "sent" | "dropped" | "failed" | "retrying";
  attempts: number;
  lastError?: string;
  sentAt?: Date;
}

/**
 * Once an email has left over SMTP (or will never leave), the link token in its body is of no more
 * use here and would be a live credential at rest: only the link's SHA-256 may stay in the database
 * (SECURITY.md principle 1). Without SMTP the row is the development mailbox, so it keeps its link.
 */
const LINK_TOKEN = "#token=[A-Za-z0-9_-]{43}";
const LINK_TOKEN_REMOVED = "#token=removed-after-delivery";
const scrubbedLinkToken = (column: typeof emails.text | typeof emails.html) => sql<string>`regexp_replace(${column}, ${LINK_TOKEN}, ${LINK_TOKEN_REMOVED}, 'g')`;

async function settle(deps: DeliverDeps, emailId: string, settlement: Settlement): Promise<void> {
  const now = deps.clock.now();
  const scrub = settlement.status !== "retrying" && deps.mailTransport.kind === "smtp";
  await deps.db
    .update(emails)
    .set({
      status: settlement.status,
      attempts: settlement.attempts,
      updatedAt: now,
      ...(scrub ? { text: scrubbedLinkToken(emails.text), html: scrubbedLinkToken(emails.html) } : {}),
      ...(settlement.lastError !== undefined ? { lastError: settlement.lastError } : {}),
      ...(settlement.sentAt ? { sentAt: settlement.sentAt } : {}),
    })
    // Never reopen a row another attempt has already settled.
    .where(and(eq(emails.id, emailId), notInArray(emails.status, ["sent", "dropped"])));
}

/** The emails of a batch that left, settled in one prepared statement (their links scrubbed, as settle does). */
const settleSentBatch = preparedStatement<never, { ids: string[]; now: Date; scrub: boolean; token: string; removed: string }>("email_delivery_settle_sent", sql`
    update emails set status = 'sent', attempts = attempts + 1, updated_at = ${sql.placeholder("now")}, sent_at = ${sql.placeholder("now")},
      text = case when ${sql.placeholder("scrub")}::boolean then regexp_replace(text, ${sql.placeholder("token")}::text, ${sql.placeholder("removed")}::text, 'g') else text end,
      html = case when ${sql.placeholder("scrub")}::boolean then regexp_replace(html, ${sql.placeholder("token")}::text, ${sql.placeholder("removed")}::text, 'g') else html end
    where id = any(${sql.placeholder("ids")}::uuid[]) and status not in ('sent', 'dropped')`);

async function settleSent(deps: DeliverDeps, emailIds: string[]): Promise<void> {
  await settleSentBatch(deps.db, { ids: emailIds, now: deps.clock.now(), scrub: deps.mailTransport.kind === "smtp", token: LINK_TOKEN, removed: LINK_TOKEN_REMOVED });
}

function unexpected(error: unknown): string {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${message}`.slice(0, 500);
}

