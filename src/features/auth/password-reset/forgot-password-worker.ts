import type { WorkOptions } from "pg-boss";
import type { Deps } from "../../../deps.ts";
import { createForgotPasswordQueue, FORGOT_PASSWORD_QUEUE, isForgotPasswordJob } from "./forgot-password-queue.ts";
import { processForgotPassword } from "./process-forgot-password.ts";

const WORK_OPTIONS = {
  batchSize: 1,
  localConcurrency: 2,
  pollingIntervalSeconds: 1,
  notifyPollingIntervalSeconds: 1,
  // With a backlog, fetch again as soon as a job is done: polling alone drains one job per worker per
  // second, so a burst of requests would take many minutes to mail.
  burstWhenReadyExceeds: 1,
} as const satisfies WorkOptions;

/** Runs "forgot password" jobs. pg-boss claims each with SKIP LOCKED, so instances share the work. */
export async function startForgotPasswordWorker(deps: Pick<Deps, "db" | "clock" | "config" | "jobs" | "logger">) {
  await createForgotPasswordQueue(deps.jobs);
  const logger = deps.logger.child({ component: "forgot-password-worker" });
  const workId = await deps.jobs.boss.work(FORGOT_PASSWORD_QUEUE, WORK_OPTIONS, async ([job]) => {
    if (!job) return;
    if (!isForgotPasswordJob(job.data)) {
      logger.error({ jobId: job.id }, "forgot-password job with unexpected data; discarded");
      return;
    }
    const outcome = await processForgotPassword(deps, job.data);
    // The address is not logged: the outcome would tell a log reader whether an account exists.
    logger.info({ jobId: job.id, sent: outcome.sent }, "forgot-password request processed");
  });
  return {
    async stop() {
      await deps.jobs.boss.offWork(FORGOT_PASSWORD_QUEUE, { id: workId, wait: true });
    },
  };
}
