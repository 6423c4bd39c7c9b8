import { metrics } from "../metrics/metrics.ts";

/**
 * What a busy request path looks like from the background: how many requests this instance worked
 * on at once (src/http/in-flight.ts counts them; the app hands its counter to the pacer).
 */
export interface RequestLoad {
  /** The most requests worked on at once since the last call; the next call counts from now. */
  takePeak(): number;
}

/** Requests being worked on at once from which the request path counts as busy: they queue for the cores. */
export const BUSY_REQUESTS = 4;
/** While busy, the background rests this many times as long as its last batch took: it keeps at most a tenth of the time. */
export const REST_PER_WORK = 9;
/** No worker waits longer than this for its turn: under a flood that lasts, mail still leaves. */
export const LONGEST_REST_MS = 1_000;
/** How often a resting worker looks whether the rush is over. */
const LOOK_EVERY_MS = 10;
/**
 * A rush seen by one look counts for this long: the count of one instant says little (between two
 * requests of a connection it drops to nothing), the most since the last look says more, and two
 * workers looking in turn both see it.
 */
const REMEMBER_MS = 50;

/** Ends a batch that was given its turn. */
export type BatchDone = () => void;

/**
 * The request path first, the mail right after (decision 0052). Background work that a request
 * caused — the forgot-password batches, email delivery — can wait a moment; the answer to the next
 * request cannot. Before each batch a worker asks for its turn and says when the batch is done.
 * While the instance is not busy, every turn is given at once. During a rush the background takes
 * one batch at a time, whichever worker's, and rests REST_PER_WORK times as long as the last batch
 * took (so it keeps about a tenth of the time), ending the rest as soon as the rush is over; and
 * no worker waits more than LONGEST_REST_MS, so each still gets a batch a second. Each instance
 * paces its own workers by its own requests; the work itself stays in the database, shared by all.
 */
export class BackgroundPacer {
  #load: RequestLoad = { takePeak: () => 0 };
  #busyAt = Number.NEGATIVE_INFINITY;
  /** Batches started and not yet done, of every worker. */
  #running = 0;
  /** During a rush, no batch starts before this (unless its worker has waited LONGEST_REST_MS). */
  #restUntil = Number.NEGATIVE_INFINITY;

  /** The request counter of the app this process serves (none in the CLI or a worker-only test: never busy). */
  watch(load: RequestLoad): void {
    this.#load = load;
  }

  /** Whether the request path has been busy within the last moment (REMEMBER_MS). */
  get busy(): boolean {
    const now = performance.now();
    if (this.#load.takePeak() >= BUSY_REQUESTS) this.#busyAt = now;
    return now - this.#busyAt < REMEMBER_MS;
  }

  /** Resolves when `worker` may start its next batch, with the function to call once that batch is done. */
  async turn(worker: string): Promise<BatchDone> {
    const asked = performance.now();
    const mustWait = () => {
      const now = performance.now();
      return now - asked < LONGEST_REST_MS && (this.#running > 0 || now < this.#restUntil) && this.busy;
    };
    if (mustWait()) {
      while (mustWait()) await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
      metrics.backgroundRest.inc({ worker }, (performance.now() - asked) / 1000);
    }
    this.#running++;
    const started = performance.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#running--;
      const ended = performance.now();
      this.#restUntil = Math.max(this.#restUntil, ended + Math.min(LONGEST_REST_MS, (ended - started) * REST_PER_WORK));
    };
  }
}
