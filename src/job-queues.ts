import { deliverEmailQueue } from "./email/delivery-queue.ts";
import { backchannelLogoutQueue } from "./features/oidc-grants/backchannel-logout-queue.ts";
import type { QueueDefinition } from "./jobs/job-queue.ts";

/**
 * Every queue of the service: buildDeps sets them up, once, in every process (the CLI enqueues
 * invitations without running workers). Apart from workers.ts, which starts their workers, so that
 * deps.ts needs no worker and no worker module imports back into deps.ts's graph.
 */
export const JOB_QUEUES: readonly QueueDefinition[] = [deliverEmailQueue, backchannelLogoutQueue];
