import type { JobResult } from "pg-boss";

/**
 * What the job row keeps of a failure: its first line, bounded. drizzle's "Failed query" puts the
 * statement's parameters on the next lines — an address, an email body with its reset link — and
 * they must not rest in pg-boss's table (SECURITY.md principle 8).
 */
export function failureSummary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n", 1)[0] ?? "").slice(0, 500);
}

/** A job handed over in a batch: only its id matters here. */
interface BatchJob {
  id: string;
}

/**
 * Runs one fetched batch, at most `concurrency` jobs at a time, and says how each ended, for a
 * worker with `perJobResults`: pg-boss then completes the good ones and retries the failed ones
 * with back-off, each on its own (a batch handler that threw would retry them all). `handle`
 * returns normally for a job that is done — sent, dropped, or discarded — and throws for one that
 * should be tried again.
 */
export async function settleBatch<J extends BatchJob>(jobs: J[], concurrency: number, handle: (job: J) => Promise<void>): Promise<JobResult[]> {
  const results: JobResult[] = [];
  let next = 0;
  const lane = async () => {
    for (let job = jobs[next++]; job; job = jobs[next++]) {
      try {
        await handle(job);
        results.push({ id: job.id, status: "completed" });
      } catch (error) {
        results.push({ id: job.id, status: "failed", output: { message: failureSummary(error) } });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, lane));
  return results;
}
