import type { Deps } from "./deps.ts";
import { startEmailWorker } from "./email/delivery-worker.ts";
import { startForgotPasswordWorker } from "./features/auth/password-reset/forgot-password-worker.ts";
import { startHousekeeping } from "./features/housekeeping/housekeeping.ts";
import { deliverEmailQueue } from "./email/delivery-queue.ts";
import { JOB_QUEUES } from "./job-queues.ts";
import { backchannelLogoutQueue } from "./features/oidc-grants/backchannel-logout-queue.ts";
import { startBackchannelLogoutWorker } from "./oidc/backchannel-logout-worker.ts";
import type { QueueDefinition } from "./jobs/job-queue.ts";
import { startWebhookWorker } from "./features/webhooks/webhook-worker.ts";

/** A started background worker. `stop` stops taking work and resolves when the work in hand is done. */
export interface BackgroundWorker {
  stop(): Promise<void>;
}

type WorkerDeps = Pick<Deps, "db" | "clock" | "config" | "mailTransport" | "jobs" | "logger" | "oidc" | "webhookResolver" | "pacer">;

interface WorkerRegistration {
  name: string;
  /** The queue the worker takes jobs from; none for a timer. */
  queue?: QueueDefinition;
  start(deps: WorkerDeps): Promise<BackgroundWorker> | BackgroundWorker;
}

/**
 * Every background worker of the process, in the order they start. A new queue (back-channel
 * logout, webhooks) is one line in job-queues.ts (its definition, which buildDeps sets up) and one
 * here (its start function), both from the queue's own folder (src/jobs/README.md).
 */
const WORKERS = [
  // First, so the emails the other workers write go out.
  { name: "email-delivery", queue: deliverEmailQueue, start: startEmailWorker },
  // Its own table, not a queue (decision 0034); the emails it writes go through the delivery queue.
  { name: "forgot-password", start: startForgotPasswordWorker },
  { name: "backchannel-logout", queue: backchannelLogoutQueue, start: startBackchannelLogoutWorker },
  // A timer over its own outbox table, not a pg-boss queue: per-subject order and a delivery log (decision 0032).
  { name: "webhook-delivery", start: (deps) => startWebhookWorker(deps) },
  // The provider's keystore is fixed when built: a rotation on any instance reaches this one within a minute.
  { name: "oidc-keys", start: (deps) => deps.oidc.startReloading() },
  { name: "housekeeping", start: (deps) => startHousekeeping(deps) },
] as const satisfies readonly WorkerRegistration[];

export type WorkerName = (typeof WORKERS)[number]["name"];

export const WORKER_NAMES: readonly WorkerName[] = WORKERS.map((worker) => worker.name);

// A worker whose queue buildDeps would not set up would wait for jobs that can never be sent.
for (const worker of WORKERS as readonly WorkerRegistration[]) {
  if (worker.queue && !JOB_QUEUES.includes(worker.queue)) throw new Error(`the queue of worker ${worker.name} is missing from job-queues.ts`);
}

export interface StartWorkersOptions {
  /** Start only these (tests: a second email worker). */
  only?: readonly WorkerName[];
  /** Start all but these (tests: no email worker, no housekeeping timer). */
  skip?: readonly WorkerName[];
}

/**
 * Starts the process's background workers, each once. `stop` first has every queue worker stop
 * taking jobs at once and waits for the jobs in hand to finish (an email being sent is recorded as
 * sent, not retried by the next start), then stops the timers and waits for a pass that is running.
 * The database and pg-boss stay open: closeDeps closes them afterwards.
 */
export async function startWorkers(deps: WorkerDeps, options: StartWorkersOptions = {}): Promise<BackgroundWorker> {
  const chosen = WORKERS.filter(
    (worker: WorkerRegistration) =>
      (!options.only || options.only.some((name) => name === worker.name)) && !options.skip?.some((name) => name === worker.name),
  );
  const started: { registration: WorkerRegistration; worker: BackgroundWorker }[] = [];
  const stopAll = async () => {
    const [jobWorkers, timers] = [started.filter((s) => s.registration.queue), started.filter((s) => !s.registration.queue)];
    await Promise.all(jobWorkers.map((s) => s.worker.stop()));
    await Promise.all(timers.map((s) => s.worker.stop()));
  };
  try {
    for (const registration of chosen) started.push({ registration, worker: await registration.start(deps) });
  } catch (error) {
    // A worker that failed to start leaves none running: the process is about to exit or retry.
    await stopAll();
    throw error;
  }
  const names = started.map((s) => s.registration.name);
  deps.logger.info({ workers: names }, "background workers started");
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= stopAll().then(() => deps.logger.info({ workers: names }, "background workers stopped"));
      return stopping;
    },
  };
}
