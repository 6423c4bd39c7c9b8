import type { QueueDefinition } from "../jobs/job-queue.ts";

export const DELIVER_EMAIL_QUEUE = "email.deliver";

/** What the outbox hands to the delivery job: the email row to send, nothing of its content. */
export interface DeliverEmailJob {
  emailId: string;
}

/** The delivery queue's pg-boss settings; the worker's fetching is in `delivery-worker.ts`. */
export const deliverEmailQueue: QueueDefinition = {
  name: DELIVER_EMAIL_QUEUE,
  settings: (config) => ({
    // SMTP 4xx and connection failures are retried with back-off; 5xx is settled by the worker.
    retryLimit: config.emailRetryLimit,
    // pg-boss counts retry delays in whole seconds.
    retryDelay: Math.max(1, Math.round(config.emailRetryDelayMs / 1000)),
    retryBackoff: true,
    retryDelayMax: 600,
    // The worker holds at most four emails per SMTP connection (BATCHES_AT_ONCE batches of
    // BATCHES_PER_FETCH per connection, delivery-worker.ts), sent one after another, each bounded by
    // the SMTP socket timeout (60 s) and connect timeout (10 s): 4 × 70 s fits.
    expireInSeconds: 300,
    // A job held by a killed instance stops beating and is retried within ~20 s instead of waiting
    // out expireInSeconds (2 minutes and more) — the worker refreshes it every 5 s while it sends.
    heartbeatSeconds: 10,
    notify: true,
  }),
};
