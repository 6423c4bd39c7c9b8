import type { FastifyBaseLogger } from "fastify";
import { deliverDueWebhooks } from "./deliver-due-webhooks.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";

export interface WebhookWorker {
  stop(): Promise<void>;
}

/**
 * Delivers webhooks: every WEBHOOK_POLL_INTERVAL it claims the due deliveries (decision 0032), and
 * while a pass comes back full it goes again at once. Any number of instances run it side by side.
 */
export function startWebhookWorker(deps: DeliveryDeps & { logger: FastifyBaseLogger }): WebhookWorker {
  const logger = deps.logger.child({ component: "webhook-worker" });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      while (!stopped && (await deliverDueWebhooks(deps)) >= deps.config.webhooks.concurrency);
    } catch (error) {
      logger.error({ err: error }, "webhook delivery pass failed; will try again");
    }
  };
  const tick = () => {
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(tick, deps.config.webhooks.pollIntervalMs);
    });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
