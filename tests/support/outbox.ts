import { eq } from "drizzle-orm";
import { emails } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { DELIVER_EMAIL_QUEUE } from "../../src/email/delivery-queue.ts";
import { enqueueEmail, type OutgoingEmail } from "../../src/email/outbox.ts";

type EmailRow = typeof emails.$inferSelect;
type EmailStatus = EmailRow["status"];

export async function readEmail(deps: Pick<Deps, "db">, id: string): Promise<EmailRow> {
  const [row] = await deps.db.select().from(emails).where(eq(emails.id, id));
  if (!row) throw new Error(`no email ${id}`);
  return row;
}

/** Polls the outbox row until the worker has put it in one of `statuses`. */
export async function waitForEmailStatus(deps: Pick<Deps, "db">, id: string, statuses: EmailStatus | EmailStatus[], timeoutMs = 15_000): Promise<EmailRow> {
  const wanted = Array.isArray(statuses) ? statuses : [statuses];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await readEmail(deps, id);
    if (wanted.includes(row.status)) return row;
    if (Date.now() > deadline) throw new Error(`email ${id} is ${row.status} (attempts ${row.attempts}), not ${wanted.join("/")}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes an email and its job the way an action does: in one transaction. */
export async function enqueueTestEmail(deps: Pick<Deps, "db" | "jobs" | "clock">, email: Partial<OutgoingEmail> & { to: string }): Promise<string> {
  const content: OutgoingEmail = {
    kind: "test",
    subject: `Test email to ${email.to}`,
    text: "Hello.\n\nOpen https://latchkey.test/login to sign in.",
    html: '<p>Hello.</p><p><a href="https://latchkey.test/login">Sign in</a></p>',
    ...email,
  };
  return deps.db.transaction((tx) => enqueueEmail(tx, deps.jobs, content, deps.clock.now()));
}

/** The pg-boss states of the delivery jobs of one email: "completed" means nobody will try again. */
export async function deliveryJobStates(deps: Pick<Deps, "jobs">, emailId: string): Promise<string[]> {
  const jobs = await deps.jobs.boss.findJobs(DELIVER_EMAIL_QUEUE, { data: { emailId } });
  return jobs.map((job) => job.state);
}
