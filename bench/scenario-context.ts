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
  /**
   * After a scenario whose every answer queued one email: waits until the SMTP server has received
   * them all, and puts the requests against the time to the last email (`run` empties the SMTP
   * server's list when a scenario starts). Counting at the SMTP server costs the database nothing.
   */
  toLastEmail(result: LoadResult): Promise<MailedFigures>;
}

export interface MailedFigures {
  requests: number;
  /** Emails the SMTP server received: one per request, unless some were still missing after 180 s. */
  emails: number;
  /** From the scenario's first request to its last email. */
  seconds: number;
  /** Emails delivered per second over that time: what a burst really costs, mail included. */
  perSecond: number;
  /** How long after the last answer the last email came. */
  afterLastAnswerSeconds: number;
}

export function describe(result: LoadResult): string {
  const odd = Object.entries(result.unexpected).map(([status, n]) => `${n}×${status}`);
  const problems = [...odd, ...(result.errors ? [`${result.errors} errors`] : [])];
  return `${result.name.padEnd(52)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50.toFixed(1).padStart(7)} ms  p99 ${result.p99.toFixed(1).padStart(7)} ms  ${result.rssMiB.toFixed(0).padStart(4)} MiB  n=${result.n}${problems.length ? `  (${problems.join(", ")})` : ""}`;
}

export function makeContext(fields: Omit<SuiteContext, "run" | "results" | "toLastEmail">): SuiteContext {
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
    async toLastEmail(result) {
      const waited = performance.now();
      const deadline = waited + 180_000;
      while (fields.smtp.messages.length < result.n && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const emails = fields.smtp.messages.length;
      if (emails < result.n) console.log(`  (${result.name}: only ${emails} of ${result.n} emails after 180 s)`);
      const afterLastAnswerSeconds = (performance.now() - waited) / 1000;
      const seconds = result.seconds + afterLastAnswerSeconds;
      const figures = { requests: result.n, emails, seconds, perSecond: emails / seconds, afterLastAnswerSeconds };
      console.log(`${"  … to its last email".padEnd(52)} ${figures.perSecond.toFixed(0).padStart(6)} emails/s  (the last ${afterLastAnswerSeconds.toFixed(1)} s after the last answer)`);
      return figures;
    },
  };
}
