import type { QueueDefinition } from "../../jobs/job-queue.ts";

export const BACKCHANNEL_LOGOUT_QUEUE = "oidc.backchannel-logout";

/** Who to sign out of which application: the worker signs the logout token when it sends it, so no token rests in the job. */
export interface BackchannelLogoutJob {
  clientId: string;
  userId: string;
  sid: string | null;
  reason: string;
}

export function isBackchannelLogoutJob(data: unknown): data is BackchannelLogoutJob {
  if (typeof data !== "object" || data === null) return false;
  const job = data as Record<string, unknown>;
  return typeof job.clientId === "string" && typeof job.userId === "string" && (job.sid === null || typeof job.sid === "string") && typeof job.reason === "string";
}

/**
 * OIDC Back-Channel Logout 1.0 delivered through pg-boss: an application that is down or answers an
 * error is tried again with back-off, about eight times over two hours, instead of once inline.
 */
export const backchannelLogoutQueue: QueueDefinition = {
  name: BACKCHANNEL_LOGOUT_QUEUE,
  settings: () => ({
    retryLimit: 8,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 1_800,
    expireInSeconds: 30,
    heartbeatSeconds: 10,
    notify: true,
    deleteAfterSeconds: 86_400,
  }),
};
