import type { WorkOptions } from "pg-boss";
import type { Deps } from "../deps.ts";
import { settleBatch } from "../jobs/settle-batch.ts";
import { recordAuditEvent } from "../features/audit/record-audit-event.ts";
import { BACKCHANNEL_LOGOUT_QUEUE, isBackchannelLogoutJob } from "../features/oidc-grants/backchannel-logout-queue.ts";
import { deliverBackchannelLogout } from "./provider.ts";
import { metrics } from "../metrics/metrics.ts";

const WORK_OPTIONS = {
  batchSize: 10,
  perJobResults: true,
  includeMetadata: true,
  pollingIntervalSeconds: 2,
} as const satisfies WorkOptions;

/**
 * Tells applications that a user's session with them ended (OIDC Back-Channel Logout 1.0): one
 * signed logout token per job, POSTed to the client's registered URI. A failure is retried with
 * back-off by pg-boss; the last failure is logged and audited.
 */
export async function startBackchannelLogoutWorker(deps: Pick<Deps, "db" | "clock" | "jobs" | "logger" | "oidc">): Promise<{ stop(): Promise<void> }> {
  const logger = deps.logger.child({ component: "backchannel-logout-worker" });
  const workId = await deps.jobs.boss.work(BACKCHANNEL_LOGOUT_QUEUE, WORK_OPTIONS, (jobs) =>
    settleBatch(jobs, 4, async (job) => {
      if (!isBackchannelLogoutJob(job.data)) {
        logger.error({ jobId: job.id }, "back-channel logout job with unexpected data; discarded");
        return;
      }
      const data = job.data;
      try {
        const outcome = await deliverBackchannelLogout(await deps.oidc.current(), data);
        logger.info({ jobId: job.id, clientId: data.clientId, outcome }, "back-channel logout delivered");
      } catch (error) {
        const last = job.retryCount >= job.retryLimit;
        metrics.jobFailures.inc({ queue: BACKCHANNEL_LOGOUT_QUEUE });
        logger.warn({ jobId: job.id, clientId: data.clientId, attempt: job.retryCount + 1, last, err: error }, "back-channel logout not delivered");
        if (last) {
          await recordAuditEvent(deps.db, {
            action: "oidc.backchannel_failed",
            outcome: "failure",
            targetUserId: data.userId,
            details: { clientId: data.clientId, reason: data.reason, attempts: job.retryCount + 1 },
            at: deps.clock.now(),
          });
        }
        throw error;
      }
    }),
  );
  return {
    async stop() {
      await deps.jobs.boss.offWork(BACKCHANNEL_LOGOUT_QUEUE, { id: workId, wait: true });
    },
  };
}
