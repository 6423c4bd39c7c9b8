import type { QueueDefinition } from "../../../jobs/job-queue.ts";

export const FORGOT_PASSWORD_QUEUE = "password-reset.forgot";

/** What a "forgot password" request hands to the job: the normalised address and who asked. */
export interface ForgotPasswordJob {
  email: string;
  clientAddress: string;
}

export function isForgotPasswordJob(data: unknown): data is ForgotPasswordJob {
  const job = data as Partial<ForgotPasswordJob> | null;
  return typeof job?.email === "string" && typeof job.clientAddress === "string";
}

/** The queue's pg-boss settings; the worker's fetching is in `forgot-password-worker.ts`. */
export const forgotPasswordQueue: QueueDefinition = {
  name: FORGOT_PASSWORD_QUEUE,
  settings: () => ({
    // A failed attempt (database restart) is retried; a completed job carries an address, so it goes soon.
    retryLimit: 5,
    retryDelay: 2,
    retryBackoff: true,
    expireInSeconds: 60,
    // A job held by an instance killed mid-way is retried after ~10-20 s of missed heartbeats,
    // not after its minute of expiry (the email queue does the same).
    heartbeatSeconds: 10,
    deleteAfterSeconds: 3_600,
    notify: true,
  }),
};
