import type { Clock } from "../../clock.ts";
import type { WebhookConfig } from "../../config.ts";
import type { Db } from "../../db/client.ts";

/** What managing endpoints needs: a narrow slice of Deps. */
export interface ManageDeps {
  db: Db;
  clock: Clock;
  config: { webhooks: WebhookConfig };
}
