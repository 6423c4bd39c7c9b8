import type { JobResult, WorkOptions } from "pg-boss";
import type { Deps } from "../deps.ts";
import { deliverEmails } from "./deliver-email.ts";
import { failureSummary } from "../jobs/settle-batch.ts";
import { metrics } from "../metrics/metrics.ts";
import { DELIVER_EMAIL_QUEUE, type DeliverEmailJob } from "./delivery-queue.ts";

export interface EmailWorker {
  /** Stops taking jobs and waits for the ones in hand. */
  stop(): Promise<void>;
}

/**
 * One fetch and one settlement statement for several emails, each email settled on its own (a
 * temporary failure retries that email alone); the emails of a fetch are read in one statement and
 * those that left are marked sent in one (deliverEmails). Batches of BATCHES_PER_FETCH times as many
 * emails as the SMTP transport has connections (SMTP_CONNECTIONS), sent that many at once, and two
 * batches at a time: while one reads or settles in the database, the other's emails are on the wire
 * (one at a time left the connections idle half the time, decision 0052). At most four emails per
 * connection are in hand, as before (decisions 0016, 0034): a batch takes at most four of the
 * slowest emails, within the job's expiry (delivery-queue.ts).
 */
export const BATCHES_PER_FETCH = 2;
export const BATCHES_AT_ONCE = 2;

const workOptions = (batchSize: number) =>
  ({
    includeMetadata: true,
    batchSize,
    perJobResults: true,
    localConcurrency: BATCHES_AT_ONCE,
    // NOTIFY wakes the worker for new emails; this poll picks up retries whose delay has passed.
    pollingIntervalSeconds: 1,
    notifyPollingIntervalSeconds: 1,
    // While fetches come back full there is a backlog: fetch again at once rather than after the poll.
    // (pg-boss's burstWhenReadyExceeds reads a backlog count refreshed every 10-15 s: a burst that
    // came and went in between was drained one batch per worker per second.) pg-boss ignores
    // burstWhenBatchFull for batches of one (SMTP_CONNECTIONS=1), where the count is all there is.
    burstWhenBatchFull: true,
    burstWhenReadyExceeds: 1,
  }) as const satisfies WorkOptions;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Delivers the outbox. pg-boss claims jobs with SKIP LOCKED, so any number of instances on one
 * PostgreSQL share the work and each email is attempted by one of them at a time. An email that
 * failed for now goes back to pg-boss, which retries it with back-off. Started by `jobs/workers.ts`
 * with the other background workers.
 */
export async function startEmailWorker(deps: Pick<Deps, "db" | "clock" | "config" | "mailTransport" | "jobs" | "logger" | "pacer">): Promise<EmailWorker> {
  const logger = deps.logger.child({ component: "email-worker" });
  const lanes = deps.config.smtpConnections;
  const batchSize = lanes * BATCHES_PER_FETCH;
  // The job's data is read as unknown: a row written by hand or by an older version may lack an id.
  const workId = await deps.jobs.boss.work<Partial<Record<keyof DeliverEmailJob, unknown>>, void, ReturnType<typeof workOptions>>(
    DELIVER_EMAIL_QUEUE,
    workOptions(batchSize),
    async (jobs) => {
      const valid = jobs.filter((job) => {
        const emailId = job.data.emailId;
        if (typeof emailId === "string" && UUID.test(emailId)) return true;
        logger.error({ jobId: job.id }, "email job without a valid emailId; discarded");
        return false;
      });
      // During a rush of requests the batch waits its turn (decision 0052); its jobs stay claimed, well within their expiry.
      const done = await deps.pacer.turn("email-delivery");
      let outcomes: Awaited<ReturnType<typeof deliverEmails>>;
      try {
        outcomes = await deliverEmails(
          deps,
          valid.map((job) => ({ emailId: job.data.emailId as string, lastAttempt: job.retryCount >= job.retryLimit })),
          lanes,
        );
      } catch (error) {
        // The database failed the batch's read or settlement: every job is tried again, and the job
        // rows keep the error's first line only (a statement's parameters must not rest there).
        metrics.jobFailures.inc({ queue: DELIVER_EMAIL_QUEUE }, valid.length);
        logger.error({ error: failureSummary(error), emails: valid.length }, "email delivery batch failed; will retry");
        return jobs.map((job): JobResult => (valid.includes(job) ? { id: job.id, status: "failed", output: { message: failureSummary(error) } } : { id: job.id, status: "completed" }));
      } finally {
        done();
      }
      // Each job ends on its own: pg-boss completes the good ones and retries the failed ones with back-off.
      const results = jobs.filter((job) => !valid.includes(job)).map((job): JobResult => ({ id: job.id, status: "completed" }));
      valid.forEach((job, i) => {
        const outcome = outcomes[i];
        const emailId = job.data.emailId;
        const attempt = job.retryCount + 1;
        switch (outcome?.status) {
          case "retrying":
            metrics.jobFailures.inc({ queue: DELIVER_EMAIL_QUEUE });
            logger.warn({ emailId, attempt, error: outcome.error.message }, "email delivery failed; will retry");
            results.push({ id: job.id, status: "failed", output: { message: failureSummary(outcome.error) } });
            return;
          case "failed":
            metrics.jobFailures.inc({ queue: DELIVER_EMAIL_QUEUE });
            logger.error({ emailId, attempt }, "email delivery failed for good");
            break;
          case "missing":
            logger.warn({ emailId }, "email job for a row that no longer exists");
            break;
          default:
            logger.info({ emailId, attempt, outcome: outcome?.status }, "email delivery settled");
        }
        results.push({ id: job.id, status: "completed" });
      });
      return results;
    },
  );
  return {
    async stop() {
      await deps.jobs.boss.offWork(DELIVER_EMAIL_QUEUE, { id: workId, wait: true });
    },
  };
}
