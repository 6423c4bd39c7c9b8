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
/** While busy, a worker rests this many times as long as its last batch took: the background gets at most a seventh. */
export const REST_PER_WORK = 6;
/** Never rests longer than this before the next batch: under a flood that lasts, mail still leaves. */
export const LONGEST_REST_MS = 1_000;
/** How often a resting worker looks whether the rush is over. */
const LOOK_EVERY_MS = 10;
/**
 * A rush seen by one look counts for this long: the count of one instant says little (between two
 * requests of a connection it drops to nothing), the most since the last look says more, and two
 * workers looking in turn both see it.
 */
const REMEMBER_MS = 50;

/**
 * The request path first, the mail right after (decision 0052). Background work that a request
 * caused — the forgot-password batches, email delivery — can wait a moment; the answer to the next
 * request cannot. Before each batch a worker asks for its turn: at once while the instance is not
 * busy; during a rush, after a rest proportional to its last batch (so it keeps a seventh of the
 * time, and at least one batch a second), or as soon as the rush is over. Each instance paces its
 * own workers by its own requests; the work itself stays in the database, shared by all.
 */
export class BackgroundPacer {
  #load: RequestLoad = { takePeak: () => 0 };
  #busyAt = Number.NEGATIVE_INFINITY;

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

  /** Resolves when `worker`, whose last batch took `lastBatchMs`, may start its next one. */
  async turn(worker: string, lastBatchMs: number): Promise<void> {
    if (!this.busy) return;
    const started = performance.now();
    const until = started + Math.min(LONGEST_REST_MS, Math.max(LOOK_EVERY_MS, lastBatchMs * REST_PER_WORK));
    for (let left = until - performance.now(); left > 0 && this.busy; left = until - performance.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(LOOK_EVERY_MS, left)));
    }
    metrics.backgroundRest.inc({ worker }, (performance.now() - started) / 1000);
  }
}
