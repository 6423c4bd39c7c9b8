import type { JobQueue } from "../../../jobs/job-queue.ts";

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

export async function createForgotPasswordQueue(jobs: JobQueue): Promise<void> {
  const options = {
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
  };
  await jobs.boss.createQueue(FORGOT_PASSWORD_QUEUE, options);
  await jobs.boss.updateQueue(FORGOT_PASSWORD_QUEUE, options);
}
