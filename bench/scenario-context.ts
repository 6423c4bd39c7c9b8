/** What every load scenario gets: the running server, its database, the SMTP sink and the run's pace. */
import type { TestSmtpServer } from "../tests/support/smtp-server.ts";
import type { Csrf } from "./api-client.ts";
import type { BenchDb } from "./bench-db.ts";
import { runLoad, type LoadOptions, type LoadResult } from "./load.ts";

export interface Pace {
  quick: boolean;
  /** Seconds per throughput scenario. */
  seconds: number;
  /** Forgot-password requests of each kind (existing, unknown) in the timing comparison: issue 3 asks for 2,000 at least. */
  forgotEach: number;
  triggerResets: number;
  slowSmtpResets: number;
  resetSubmits: number;
}

export const FULL_PACE: Pace = { quick: false, seconds: 8, forgotEach: 2_000, triggerResets: 1_500, slowSmtpResets: 300, resetSubmits: 500 };
export const QUICK_PACE: Pace = { quick: true, seconds: 3, forgotEach: 2_000, triggerResets: 400, slowSmtpResets: 100, resetSubmits: 150 };

export interface SuiteContext {
  /** The environment the suite's server was started with: a scenario that needs a server of its own starts it the same way. */
  serverEnv: NodeJS.ProcessEnv;
  base: string;
  pid: number;
  csrf: Csrf;
  db: BenchDb;
  smtp: TestSmtpServer;
  pace: Pace;
  results: LoadResult[];
  /**
   * Runs one scenario from a clean slate (rate-limit counters cleared, outbox and job queue empty),
   * records and prints its result.
   */
  run(options: Omit<LoadOptions, "base" | "pid" | "seconds"> & { seconds?: number; warmUp?: boolean }): Promise<LoadResult>;
}

export function describe(result: LoadResult): string {
  const odd = Object.entries(result.unexpected).map(([status, n]) => `${n}×${status}`);
  const problems = [...odd, ...(result.errors ? [`${result.errors} errors`] : [])];
  return `${result.name.padEnd(52)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(1).padStart(7)} ms  p99 ${result.p99.toFixed(1).padStart(7)} ms  ${result.rssMiB.toFixed(0).padStart(4)} MiB  n=${result.n}${problems.length ? `  (${problems.join(", ")})` : ""}`;
}

export function makeContext(fields: Omit<SuiteContext, "run" | "results">): SuiteContext {
  const results: LoadResult[] = [];
  return {
    ...fields,
    results,
    async run(options) {
      await fields.db.clearRateLimits();
      const waited = performance.now();
      const left = await fields.db.settle();
      const seconds = (performance.now() - waited) / 1000;
      if (seconds > 1 || left > 0) console.log(`  (waited ${seconds.toFixed(0)} s for earlier mail and jobs${left ? `; ${left} still pending` : ""})`);
      fields.smtp.messages.length = 0;
      const target = { base: fields.base, pid: fields.pid };
      // Reads only (a write would use up addresses, links or limits): a second of the same requests,
      // not counted, so JIT and caches are warm when the clock starts.
      if (options.warmUp) await runLoad({ ...options, ...target, name: "warm-up", seconds: 1, amount: 300 });
      const result = await runLoad({ ...options, ...target, seconds: options.seconds ?? fields.pace.seconds });
      results.push(result);
      console.log(describe(result));
      return result;
    },
  };
}
