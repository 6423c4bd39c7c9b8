import type { WorkOptions } from "pg-boss";
import type { Deps } from "../../../deps.ts";
import { settleBatch } from "../../../jobs/settle-batch.ts";
import { FORGOT_PASSWORD_QUEUE, isForgotPasswordJob } from "./forgot-password-queue.ts";
import { processForgotPassword } from "./process-forgot-password.ts";

/** Jobs of one fetched batch worked on at once; the two fetchers make it twice that. */
const LANES = 2;

const WORK_OPTIONS = {
  // One fetch and one settlement statement for up to 20 requests, each settled on its own.
  batchSize: 20,
  perJobResults: true,
  localConcurrency: 2,
  pollingIntervalSeconds: 1,
  notifyPollingIntervalSeconds: 1,
  // While fetches come back full there is a backlog: fetch again at once rather than after the poll.
  // (pg-boss's burstWhenReadyExceeds reads a backlog count refreshed every 10-15 s: a burst that came
  // and went in between was drained one batch per worker per second.)
  burstWhenBatchFull: true,
} as const satisfies WorkOptions;

/**
 * Runs "forgot password" jobs (decision 0007). pg-boss claims them with SKIP LOCKED, so instances
 * share the work. Started by `jobs/workers.ts` with the other background workers; the queue itself
 * is set up when the job queue starts.
 */
export async function startForgotPasswordWorker(deps: Pick<Deps, "db" | "clock" | "config" | "jobs" | "logger">): Promise<{ stop(): Promise<void> }> {
  const logger = deps.logger.child({ component: "forgot-password-worker" });
  const workId = await deps.jobs.boss.work(FORGOT_PASSWORD_QUEUE, WORK_OPTIONS, (jobs) =>
    settleBatch(jobs, LANES, async (job) => {
      if (!isForgotPasswordJob(job.data)) {
        logger.error({ jobId: job.id }, "forgot-password job with unexpected data; discarded");
        return;
      }
      const outcome = await processForgotPassword(deps, job.data);
      // The address is not logged: the outcome would tell a log reader whether an account exists.
      logger.info({ jobId: job.id, sent: outcome.sent }, "forgot-password request processed");
    }),
  );
  return {
    async stop() {
      await deps.jobs.boss.offWork(FORGOT_PASSWORD_QUEUE, { id: workId, wait: true });
    },
  };
}
