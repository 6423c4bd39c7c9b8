import type { Deps } from "../../../deps.ts";
import { claimForgotPasswordRequests } from "./forgot-password-requests.queries.ts";
import { processForgotPasswordBatch } from "./process-forgot-password.ts";
import { countReset } from "../../../metrics/metrics.ts";
import { countRateLimitRefusals } from "../../rate-limit.ts";

/** Requests taken in one transaction: one claim statement and one commit for all of them. */
export const FORGOT_PASSWORD_BATCH = 100;
/** How often an idle worker looks for requests; a full batch is followed by the next at once. */
const IDLE_POLL_MS = 100;
/** After a failed batch (database restart, deadlock), before trying again: its requests are back in the table. */
const FAILURE_PAUSE_MS = 1_000;

/**
 * Drains the table of "forgot password" requests (decision 0034): each batch is claimed, worked on
 * and deleted in one transaction, so a crash or an error puts the whole batch back, and rows another
 * instance holds are skipped (SKIP LOCKED), so instances share the work. Started by `src/workers.ts`.
 */
export function startForgotPasswordWorker(deps: Pick<Deps, "db" | "clock" | "config" | "jobs" | "logger" | "pacer">): { stop(): Promise<void> } {
  const logger = deps.logger.child({ component: "forgot-password-worker" });
  let stopping = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const batch = () =>
    deps.db.transaction(async (tx) => {
      const requests = await claimForgotPasswordRequests(tx, FORGOT_PASSWORD_BATCH);
      const tally = await processForgotPasswordBatch(tx, deps, requests);
      return { taken: requests.length, ...tally };
    });

  const loop = (async () => {
    while (!stopping) {
      try {
        // During a rush of requests the batch waits its turn (decision 0052): the requests are safe in the table.
        const done = await deps.pacer.turn("forgot-password");
        const { taken, sent, limited, refused, dropped } = await batch().finally(done);
        // Counted once committed: a batch rolled back is taken again and would count twice.
        countReset("forgot_password", "sent", sent);
        countReset("forgot_password", "limited", limited.length);
        countReset("forgot_password", "refused", refused);
        countReset("forgot_password", "dropped", dropped);
        countRateLimitRefusals(limited);
        // The addresses are not logged: which were sent would tell a log reader which accounts exist.
        if (taken > 0) logger.info({ requests: taken, sent }, "forgot-password requests processed");
        if (taken < FORGOT_PASSWORD_BATCH) await pause(IDLE_POLL_MS);
      } catch (error) {
        logger.error({ err: error }, "forgot-password batch failed; its requests wait for the next");
        await pause(FAILURE_PAUSE_MS);
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
