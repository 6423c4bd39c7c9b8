/**
 * Issue 6's login ratio: logins per second ÷ bare argon2id verifications per second, on the same
 * cores. These machines change speed by tens of percent within a minute, so the two are measured in
 * alternating slices — verifications, then logins, four times (two with --quick) — and every server
 * is stopped while the verifications run: a server that has just served a load still collects
 * garbage and compiles for a while, on the very cores being measured.
 *
 * Twice: everything on every core (the issue's measure), and, as a diagnostic, the server on half of
 * the cores with the verifications pinned there too, PostgreSQL and the load generator on the other
 * half (decision 0012). On all cores each round also sends the same logins to a server that only
 * hashes (bench/hash-only-server.ts): the ratio that HTTP and the load generator alone leave on this
 * machine, the ceiling for any service measured this way.
 */
import { fetchCsrf, writeHeaders, type Csrf } from "../api-client.ts";
import { measureArgon2Rate, startArgon2Meter, summarizeArgon2Rate, type Argon2Rate } from "../argon2-rate.ts";
import { pinProcess, splitCores, type CoreSplit } from "../cpu-affinity.ts";
import { addressSequence, cycle, mergeSlices, runLoad, type LoadResult, type Stream } from "../load.ts";
import type { SuiteContext } from "../scenario-context.ts";
import { BENCH_ADMIN_PASSWORD, startServer, withProcessesStopped } from "../support.ts";

export interface LoginRatioFigures {
  /** Every slice of logins, as one scenario. */
  login: LoadResult;
  /**
   * The same logins against a server that does nothing but the hash (bench/hash-only-server.ts), a
   * slice after each of the service's: the ceiling on this machine. Measured on all cores only.
   */
  hashOnly?: LoadResult;
  /** Means over the slices, by concurrency; `perSecond` is the better concurrency's. */
  argon2: Argon2Rate;
  rounds: number;
}

export interface OwnCoresFigures extends LoginRatioFigures {
  split: CoreSplit;
}

/** Sign-ins cycling through `emails`, each from a client address of its own (per-client limits never bite). */
export function loginStream(csrf: Csrf, emails: string[]): Stream {
  const email = cycle(emails);
  const address = addressSequence(1_000_000);
  return {
    label: "login",
    next: () => ({
      method: "POST",
      path: "/api/v1/auth/login",
      headers: { ...writeHeaders(csrf), "x-forwarded-for": address() },
      body: JSON.stringify({ email: email(), password: BENCH_ADMIN_PASSWORD }),
    }),
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

const HASH_ONLY_NAME = "login against a hash-only server (no database)";

async function alternate(
  ctx: SuiteContext,
  name: string,
  server: { url: string; pid: number },
  emails: string[],
  bareVerifications: () => Promise<Argon2Rate>,
  stopped: number[],
  hashOnly?: { url: string; pid: number },
): Promise<LoginRatioFigures> {
  const rounds = ctx.pace.quick ? 2 : 4;
  const seconds = ctx.pace.quick ? 3 : 4;
  const stream = loginStream(await fetchCsrf(server.url), emails);
  const load = { base: server.url, pid: server.pid, connections: 10, expect: 200, streams: [stream] };
  const hashOnlyLoad = hashOnly && { ...load, base: hashOnly.url, pid: hashOnly.pid };
  await ctx.db.clearRateLimits();
  await ctx.db.settle();
  // Not counted: JIT, connection pool and caches warm up first.
  await runLoad({ ...load, name: "login warm-up", seconds: 3 });
  if (hashOnlyLoad) await runLoad({ ...hashOnlyLoad, name: "hash-only warm-up", seconds: 3 });
  const bare: Argon2Rate[] = [];
  const slices: LoadResult[] = [];
  const hashOnlySlices: LoadResult[] = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(await withProcessesStopped(stopped, bareVerifications));
    await ctx.db.clearRateLimits();
    slices.push(await runLoad({ ...load, name: `${name}, slice ${round + 1}`, seconds, keepSamples: true }));
    if (hashOnlyLoad) hashOnlySlices.push(await runLoad({ ...hashOnlyLoad, name: `${HASH_ONLY_NAME}, slice ${round + 1}`, seconds, keepSamples: true }));
  }
  const meanBy = (pick: (rate: Argon2Rate) => Record<string, number>) =>
    Object.fromEntries(Object.keys(bare[0]?.byConcurrency ?? {}).map((c) => [c, mean(bare.map((b) => pick(b)[c] ?? Number.NaN))]));
  return {
    login: mergeSlices(name, slices),
    ...(hashOnlyLoad ? { hashOnly: mergeSlices(HASH_ONLY_NAME, hashOnlySlices) } : {}),
    argon2: summarizeArgon2Rate(meanBy((b) => b.byConcurrency), meanBy((b) => b.cpuMsByConcurrency), bare[0]?.cores ?? 0),
    rounds,
  };
}

/**
 * The measure: the suite's server, PostgreSQL and this process on every core; verifications
 * in this process. With it, the ceiling: the same logins against a server that only hashes.
 */
export async function loginRatioOnAllCores(ctx: SuiteContext, emails: string[]): Promise<LoginRatioFigures> {
  const seconds = ctx.pace.quick ? 1 : 1.5;
  const hashOnly = await startServer(ctx.serverEnv, 60_000, undefined, "bench/hash-only-server.ts");
  try {
    return await alternate(ctx, "login (server, PostgreSQL and load generator on all cores)", { url: ctx.base, pid: ctx.pid }, emails, () => measureArgon2Rate(seconds), [ctx.pid, hashOnly.pid], hashOnly);
  } finally {
    await hashOnly.stop();
  }
}

/** Null where the cores cannot be split (not Linux, one core, no taskset). */
export async function loginRatioOnOwnCores(ctx: SuiteContext, emails: string[]): Promise<OwnCoresFigures | null> {
  const split = splitCores();
  if (!split) return null;
  const server = await startServer(ctx.serverEnv, 60_000, split.server);
  const meter = await startArgon2Meter(split.server);
  const unpin = pinProcess(process.pid, split.rest);
  try {
    const figures = await alternate(ctx, `login, the server on core(s) ${split.server} alone`, server, emails, () => meter.measure(ctx.pace.quick ? 1 : 1.5), [server.pid, ctx.pid]);
    return { ...figures, split };
  } finally {
    unpin();
    meter.stop();
    await server.stop();
  }
}
