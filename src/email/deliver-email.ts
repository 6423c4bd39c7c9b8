import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Deps } from "../deps.ts";
import { emails, linkTokens } from "../db/schema.ts";
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
 * One delivery attempt of one outbox row. Safe to repeat: a job redelivered after a crash finds
 * the row already settled and sends nothing. `lastAttempt` turns a temporary failure into a final one.
 */
export async function deliverEmail(deps: DeliverDeps, emailId: string, lastAttempt: boolean): Promise<DeliveryOutcome> {
  const [outcome] = await deliverEmails(deps, [{ emailId, lastAttempt }], 1);
  if (!outcome) throw new Error("a delivery outcome is missing");
  return outcome;
}

/**
 * deliverEmail for a batch (decision 0052): one statement reads every email with the state of its
 * link, the sends go out `lanes` at a time, and one statement settles every email that left. A
 * dead link or a failed send is settled on its own, as before. Returns the outcomes in order.
 */
export async function deliverEmails(deps: DeliverDeps, attempts: DeliveryAttempt[], lanes: number): Promise<DeliveryOutcome[]> {
  if (attempts.length === 0) return [];
  const rows = await deps.db
    .select({
      email: emails,
      link: { id: linkTokens.id, usedAt: linkTokens.usedAt, supersededAt: linkTokens.supersededAt, revokedAt: linkTokens.revokedAt, expiresAt: linkTokens.expiresAt },
    })
    .from(emails)
    .leftJoin(linkTokens, eq(linkTokens.id, emails.linkTokenId))
    .where(inArray(emails.id, [...new Set(attempts.map((attempt) => attempt.emailId))]));
  const byId = new Map(rows.map((row) => [row.email.id, row]));
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

type EmailRow = typeof emails.$inferSelect;
type LinkOfEmail = (LinkRow & { id: string }) | null;

const isSettled = (status: EmailRow["status"]) => status === "sent" || status === "dropped" || status === "failed";

/** Sends one email that is still due; "sent" is settled by the caller with the rest of its batch. */
async function attemptOne(deps: DeliverDeps, { email, link }: { email: EmailRow; link: LinkOfEmail }, lastAttempt: boolean): Promise<DeliveryOutcome | "sent"> {
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
const scrubbedLinkToken = (column: typeof emails.text | typeof emails.html) =>
  sql<string>`regexp_replace(${column}, '#token=[A-Za-z0-9_-]{43}', '#token=removed-after-delivery', 'g')`;

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

/** The emails of a batch that left, settled in one statement (their links scrubbed, as settle does). */
async function settleSent(deps: DeliverDeps, emailIds: string[]): Promise<void> {
  const now = deps.clock.now();
  const scrub = deps.mailTransport.kind === "smtp";
  await deps.db
    .update(emails)
    .set({
      status: "sent",
      attempts: sql`${emails.attempts} + 1`,
      updatedAt: now,
      sentAt: now,
      ...(scrub ? { text: scrubbedLinkToken(emails.text), html: scrubbedLinkToken(emails.html) } : {}),
    })
    .where(and(inArray(emails.id, emailIds), notInArray(emails.status, ["sent", "dropped"])));
}

function unexpected(error: unknown): string {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  return `${name}: ${message}`.slice(0, 500);
}

