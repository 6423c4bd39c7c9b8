import type { Clock } from "../../clock.ts";
import type { WebhookConfig } from "../../config.ts";
import type { Db } from "../../db/client.ts";
import type { JobQueue } from "../../jobs/job-queue.ts";
import type { WebhookResolver } from "./resolver.ts";

/** What delivering webhooks needs (a narrow slice of Deps, so nothing here imports deps.ts). */
export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  jobs: JobQueue;
  config: { webhooks: WebhookConfig; publicUrl: string };
  webhookResolver: WebhookResolver;
}
