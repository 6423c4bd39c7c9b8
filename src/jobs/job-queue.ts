import { PgBoss, type Queue } from "pg-boss";
import type { Config } from "../config.ts";
import type { Database, Executor } from "../db/client.ts";
import { bossExecutor } from "../db/client.ts";

/**
 * A queue as its worker's folder defines it (`email/delivery-queue.ts`, …): its name and its pg-boss
 * settings, which may follow the configuration. `jobs/workers.ts` lists them all.
 */
export interface QueueDefinition {
  name: string;
  settings(config: Config): Omit<Queue, "name">;
}

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues in the caller's transaction, so the job exists only if the action commits (or on its own, given the database). */
  send(tx: Executor, queue: string, data: object, options?: { startAfterSeconds?: number }): Promise<void>;
  /** Several jobs of one queue in one statement, in the caller's transaction (the queue's settings apply to each). */
  sendMany(tx: Executor, queue: string, data: object[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts pg-boss on the database and sets up every queue, once, with its settings: any process that
 * may enqueue (the server, the CLI) has them all, whether or not it runs their workers.
 */
export async function startJobQueue(
  database: Database,
  config: Config,
  queues: readonly QueueDefinition[],
  onError: (error: Error) => void,
): Promise<JobQueue> {
  // LISTEN/NOTIFY wakes a worker the moment an email commits; polling stays on as the backstop.
  // Not through a transaction-mode pooler, where a LISTEN holds no connection (decision 0046).
  const boss = new PgBoss({
    ...database.bossOptions,
    schema: "pgboss",
    schedule: false,
    useListenNotify: database.listenNotify,
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
  // Two instances starting on a fresh database both install pg-boss's schema; its advisory lock
  // takes turns directly, but through PgBouncer in transaction mode both CREATE SCHEMA IF NOT EXISTS
  // were seen to collide (23505 on pg_namespace, decision 0046). pg-boss's own retry starts again
  // after 1 s and 2 s, when the other instance's install is visible.
  await boss.start({ attempts: 3 });
  for (const queue of queues) {
    const settings = queue.settings(config);
    // createQueue leaves an existing queue as it was, so changed settings need updateQueue as well.
    await boss.createQueue(queue.name, settings);
    await boss.updateQueue(queue.name, settings);
  }
  return {
    boss,
    async send(tx, queue, data, options) {
      await boss.send(queue, data, {
        db: bossExecutor(tx),
        ...(options?.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
      });
    },
    async sendMany(tx, queue, data) {
      if (data.length > 0) await boss.insert(queue, data.map((item) => ({ data: item })), { db: bossExecutor(tx) });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
