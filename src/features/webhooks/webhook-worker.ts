import type { FastifyBaseLogger } from "fastify";
import { claimDueDelivery, deliverClaimed, releaseOrphanedDeliveries } from "./deliver-due-webhooks.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";
import { onWebhookDeliveriesWritten } from "../audit/webhook-nudge.ts";

export interface WebhookWorker {
  stop(): Promise<void>;
}

/**
 * Delivers webhooks with up to WEBHOOK_CONCURRENCY slots (decision 0032). Every WEBHOOK_POLL_INTERVAL
 * one slot looks for a due delivery; a slot that finds one first lets another slot look, so a backlog
 * fills every slot, and an idle instance asks once per interval. Each slot goes on until nothing is
 * due. A slot held by a slow receiver holds nothing else up. Any number of instances run side by
 * side. Stopping lets the attempts in hand finish and claims no more.
 */
export function startWebhookWorker(deps: DeliveryDeps & { logger: FastifyBaseLogger }): WebhookWorker {
  const logger = deps.logger.child({ component: "webhook-worker" });
  const running = new Set<Promise<void>>();
  let stopped = false;
  let busy = 0;

  const startSlot = () => {
    if (stopped || busy >= deps.config.webhooks.concurrency) return;
    busy += 1;
    const slot = (async () => {
      try {
        while (!stopped) {
          const claimed = await claimDueDelivery(deps);
          if (!claimed) return;
          startSlot();
          await deliverClaimed(deps, claimed);
        }
      } catch (error) {
        logger.error({ err: error }, "webhook delivery failed; the next pass tries again");
      } finally {
        busy -= 1;
      }
    })();
    running.add(slot);
    void slot.finally(() => running.delete(slot));
  };

  // Every WEBHOOK_SWEEP_INTERVAL or so, the safety net for a waiting delivery whose predecessor settled without releasing it.
  const sweepEvery = Math.max(1, Math.round(deps.config.webhooks.sweepIntervalMs / deps.config.webhooks.pollIntervalMs));
  let ticks = 0;
  const tick = () => {
    ticks += 1;
    if (ticks % sweepEvery === 0) {
      void releaseOrphanedDeliveries(deps).catch((error: unknown) => logger.error({ err: error }, "releasing waiting webhook deliveries failed"));
    }
    startSlot();
  };
  const timer = setInterval(tick, deps.config.webhooks.pollIntervalMs);
  // Deliveries written by this process: look shortly after, when their transaction has committed
  // (and once more a little later, for a longer one), not at the next poll.
  let nudged: NodeJS.Timeout[] = [];
  const stopListening = onWebhookDeliveriesWritten(() => {
    if (nudged.length > 0) return;
    nudged = [
      setTimeout(startSlot, 15),
      setTimeout(() => {
        nudged = [];
        startSlot();
      }, 150),
    ];
  });
  startSlot();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      stopListening();
      for (const t of nudged) clearTimeout(t);
      await Promise.all(running);
    },
  };
}
