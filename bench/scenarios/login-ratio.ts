/**
 * Issue 6's login ratio: logins per second ÷ bare argon2id verifications per second, on the same
 * cores. The server gets half of the machine's cores to itself; the bare verifications run on those
 * same cores (a pinned child process); PostgreSQL and the load generator keep the other half, as
 * they would be on other machines in production. Measured in alternating slices — verifications,
 * then logins, several times — so a shared machine that speeds up or slows down during the run
 * weighs on both sides alike. Decision 0012 explains why the server is measured on cores of its own.
 */
import { fetchCsrf } from "../api-client.ts";
import { startArgon2Meter, type Argon2Rate } from "../argon2-rate.ts";
import { pinProcess, splitCores, type CoreSplit } from "../cpu-affinity.ts";
import type { CpuSnapshot } from "../cpu-time.ts";
import { runLoad, type LoadResult } from "../load.ts";
import type { SuiteContext } from "../scenario-context.ts";
import { startServer } from "../support.ts";
import { loginStream } from "./auth.ts";

export interface LoginRatioFigures {
  split: CoreSplit;
  rounds: number;
  loginsPerSecond: number;
  logins: number;
  /** Mean over the rounds, by concurrency; `perSecond` is the better concurrency. */
  argon2: Argon2Rate;
  /** CPU ms per login, over all rounds: the pinned server (its hashing threads apart), PostgreSQL, the load generator. */
  cpu: CpuSnapshot;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Null where the cores cannot be split (not Linux, one core, no taskset): the whole-machine ratio then stands alone. */
export async function loginRatioOnOwnCores(ctx: SuiteContext, emails: string[]): Promise<LoginRatioFigures | null> {
  const split = splitCores();
  if (!split) return null;
  const rounds = ctx.pace.quick ? 2 : 4;
  const server = await startServer(ctx.serverEnv, 60_000, split.server);
  const meter = await startArgon2Meter(split.server);
  const unpin = pinProcess(process.pid, split.rest);
  try {
    const csrf = await fetchCsrf(server.url);
    const stream = loginStream(csrf, emails);
    const load = { base: server.url, pid: server.pid, connections: 10, expect: 200, streams: [stream] };
    await ctx.db.clearRateLimits();
    await ctx.db.settle();
    // Not counted: JIT, connection pool and caches warm up first.
    await runLoad({ ...load, name: "login warm-up", seconds: 3 });
    const bare: Argon2Rate[] = [];
    const logins: LoadResult[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(await meter.measure(1.5));
      await ctx.db.clearRateLimits();
      logins.push(await runLoad({ ...load, name: `login on the server's own cores, slice ${round + 1}`, seconds: ctx.pace.quick ? 3 : 4 }));
    }
    const n = sum(logins.map((r) => r.n));
    const odd = logins.flatMap((r) => [...Object.entries(r.unexpected).map(([status, count]) => `${count}×${status}`), ...(r.errors ? [`${r.errors} errors`] : [])]);
    if (odd.length) console.log(`  login on the server's own cores: answers other than 200, not counted: ${odd.join(", ")}`);
    const byConcurrency = Object.fromEntries(
      Object.keys(bare[0]?.byConcurrency ?? {}).map((c) => [c, sum(bare.map((b) => b.byConcurrency[c] ?? 0)) / bare.length]),
    );
    const perLogin = (pick: (c: CpuSnapshot) => number | null) => {
      const parts = logins.map((r) => (r.cpuPerRequest ? pick(r.cpuPerRequest) : null));
      return parts.some((p) => p === null) ? null : sum(logins.map((r, i) => (parts[i] ?? 0) * r.n)) / n;
    };
    return {
      split,
      rounds,
      logins: n,
      loginsPerSecond: n / sum(logins.map((r) => r.seconds)),
      argon2: { perSecond: Math.max(...Object.values(byConcurrency)), byConcurrency, cores: split.serverCores },
      cpu: {
        serverMs: perLogin((c) => c.serverMs),
        serverPoolMs: perLogin((c) => c.serverPoolMs),
        postgresMs: perLogin((c) => c.postgresMs),
        loadGeneratorMs: perLogin((c) => c.loadGeneratorMs) ?? Number.NaN,
      },
    };
  } finally {
    unpin();
    meter.stop();
    await server.stop();
  }
}
