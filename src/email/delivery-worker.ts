import type { WorkOptions } from "pg-boss";
import type { Deps } from "../deps.ts";
import { settleBatch } from "../jobs/settle-batch.ts";
import { deliverEmail } from "./deliver-email.ts";
import { metrics } from "../metrics/metrics.ts";
import { DELIVER_EMAIL_QUEUE, type DeliverEmailJob } from "./delivery-queue.ts";

export interface EmailWorker {
  /** Stops taking jobs and waits for the ones in hand. */
  stop(): Promise<void>;
}

/**
 * One fetch and one settlement statement for several emails, each email settled on its own (a
 * temporary failure retries that email alone). One batch at a time, of BATCHES_PER_FETCH times as
 * many emails as the SMTP transport has connections (SMTP_CONNECTIONS), sent that many at once: no
 * email waits for a connection, and a burst costs a fetch and a settlement per 20 emails rather
 * than per 5 (decisions 0016, 0034). A batch takes at most four of its slowest emails, within the
 * job's expiry (delivery-queue.ts).
 */
export const BATCHES_PER_FETCH = 4;

const workOptions = (batchSize: number) =>
  ({
    includeMetadata: true,
    batchSize,
    perJobResults: true,
    localConcurrency: 1,
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
export async function startEmailWorker(deps: Pick<Deps, "db" | "clock" | "config" | "mailTransport" | "jobs" | "logger">): Promise<EmailWorker> {
  const logger = deps.logger.child({ component: "email-worker" });
  const lanes = deps.config.smtpConnections;
  const batchSize = lanes * BATCHES_PER_FETCH;
  // The job's data is read as unknown: a row written by hand or by an older version may lack an id.
  const workId = await deps.jobs.boss.work<Partial<Record<keyof DeliverEmailJob, unknown>>, void, ReturnType<typeof workOptions>>(
    DELIVER_EMAIL_QUEUE,
    workOptions(batchSize),
    (jobs) =>
      settleBatch(jobs, lanes, async (job) => {
        const emailId = job.data.emailId;
        if (typeof emailId !== "string" || !UUID.test(emailId)) {
          logger.error({ jobId: job.id }, "email job without a valid emailId; discarded");
          return;
        }
        const attempt = job.retryCount + 1;
        const outcome = await deliverEmail(deps, emailId, job.retryCount >= job.retryLimit);
        switch (outcome.status) {
          case "retrying":
            metrics.jobFailures.inc({ queue: DELIVER_EMAIL_QUEUE });
            logger.warn({ emailId, attempt, error: outcome.error.message }, "email delivery failed; will retry");
            throw outcome.error;
          case "failed":
            metrics.jobFailures.inc({ queue: DELIVER_EMAIL_QUEUE });
            logger.error({ emailId, attempt }, "email delivery failed for good");
            return;
          case "missing":
            logger.warn({ emailId }, "email job for a row that no longer exists");
            return;
          default:
            logger.info({ emailId, attempt, outcome: outcome.status }, "email delivery settled");
        }
      }),
  );
  return {
    async stop() {
      await deps.jobs.boss.offWork(DELIVER_EMAIL_QUEUE, { id: workId, wait: true });
    },
  };
}
