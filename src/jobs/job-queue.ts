import { PgBoss } from "pg-boss";
import type { Database, Executor } from "../db/client.ts";
import { bossExecutor } from "../db/client.ts";

export const QUEUES = {
  deliverEmail: "email.deliver",
} as const;

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues in the caller's transaction, so the job exists only if the action commits (or on its own, given the database). */
  send(tx: Executor, queue: string, data: object, options?: { startAfterSeconds?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface JobQueueOptions {
  /** First retry delay of an email after a temporary failure; pg-boss doubles it (with jitter) each time. */
  emailRetryDelayMs: number;
  emailRetryLimit: number;
}

export async function startJobQueue(
  database: Database,
  onError: (error: Error) => void,
  options: JobQueueOptions = { emailRetryDelayMs: 5_000, emailRetryLimit: 8 },
): Promise<JobQueue> {
  // LISTEN/NOTIFY wakes a worker the moment an email commits; polling stays on as the backstop.
  const boss = new PgBoss({
    ...database.bossOptions,
    schema: "pgboss",
    schedule: false,
    useListenNotify: true,
    // The supervisor is what notices a job whose instance died (missed heartbeats): every 10 s, not
    // the default minute, so a crash delays an email by seconds.
    superviseIntervalSeconds: 10,
    monitorIntervalSeconds: 10,
    // Workers read each queue's backlog from this cache to decide whether to fetch without pausing.
    queueCacheIntervalSeconds: 5,
    // No instance registry: nothing here reads it, and registering starts pg-boss's vitals monitor,
    // which samples event-loop delay on a 20 ms timer — fifty wake-ups a second, idle or not, each
    // one taking the core from a hash in a login storm.
    registerInstance: false,
  });
  boss.on("error", onError);
  await boss.start();
  const emailQueue = {
    // SMTP 4xx and connection failures are retried with back-off; 5xx is settled by the worker.
    retryLimit: options.emailRetryLimit,
    // pg-boss counts retry delays in whole seconds.
    retryDelay: Math.max(1, Math.round(options.emailRetryDelayMs / 1000)),
    retryBackoff: true,
    retryDelayMax: 600,
    expireInSeconds: 120,
    // A job held by a killed instance stops beating and is retried within ~20 s instead of waiting
    // out expireInSeconds (2 minutes and more) — the worker refreshes it every 5 s while it sends.
    heartbeatSeconds: 10,
    notify: true,
  };
  // createQueue leaves an existing queue as it was, so changed settings need updateQueue as well.
  await boss.createQueue(QUEUES.deliverEmail, emailQueue);
  await boss.updateQueue(QUEUES.deliverEmail, emailQueue);
  return {
    boss,
    async send(tx, queue, data, options) {
      await boss.send(queue, data, {
        db: bossExecutor(tx),
        ...(options?.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
