import type { Executor } from "../db/client.ts";
import { emails } from "../db/schema.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import { DELIVER_EMAIL_QUEUE, type DeliverEmailJob } from "./delivery-queue.ts";

export interface OutgoingEmail {
  kind: string;
  /** Always the address stored on the account, never one typed into a form. */
  to: string;
  subject: string;
  text: string;
  html: string;
  userId?: string | null;
  /** The link the email carries: if it dies before delivery, the email is dropped. */
  linkTokenId?: string | null;
}

/** The outbox row of an email, queued at `now`. */
function emailRow(email: OutgoingEmail, now: Date) {
  return {
    kind: email.kind,
    toAddress: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html,
    userId: email.userId ?? null,
    linkTokenId: email.linkTokenId ?? null,
    createdAt: now,
    updatedAt: now,
  };
}

/** Writes the email and its delivery job in the caller's transaction: committed together or not at all. */
export async function enqueueEmail(tx: Executor, jobs: JobQueue, email: OutgoingEmail, now: Date): Promise<string> {
  const [row] = await tx.insert(emails).values(emailRow(email, now)).returning({ id: emails.id });
  if (!row) throw new Error("email insert returned nothing");
  const job: DeliverEmailJob = { emailId: row.id };
  await jobs.send(tx, DELIVER_EMAIL_QUEUE, job);
  return row.id;
}

/** enqueueEmail for many emails: two statements whatever the count. Returns the ids in the order given. */
export async function enqueueEmails(tx: Executor, jobs: JobQueue, outgoing: OutgoingEmail[], now: Date): Promise<string[]> {
  if (outgoing.length === 0) return [];
  const rows = await tx
    .insert(emails)
    .values(outgoing.map((email) => emailRow(email, now)))
    .returning({ id: emails.id });
  if (rows.length !== outgoing.length) throw new Error("email insert returned too few rows");
  // PostgreSQL returns a multi-row VALUES insert's rows in the order given.
  const ids = rows.map((row) => row.id);
  await jobs.sendMany(tx, DELIVER_EMAIL_QUEUE, ids.map((emailId): DeliverEmailJob => ({ emailId })));
  return ids;
}
