/**
 * Issue 21: forgot password against the floor of a durable request (bench/insert-floor-server.ts:
 * one INSERT through the service's pool, nothing else), in alternating slices of one run — existing
 * addresses, the floor, unknown addresses, the floor — so the machine's drift moves both alike.
 * Every slice starts with no mail, job or request waiting. Then the existing-address run counted to
 * its last email, and the existing/unknown timing comparison (issue 3).
 */
import { writeHeaders } from "../api-client.ts";
import { addressSequence, cycle, mergeSlices, runLoad, type LoadResult, type Stream } from "../load.ts";
import type { MailedFigures, SuiteContext } from "../scenario-context.ts";
import { startServer } from "../support.ts";

const BENCH_CO = "Bench Co";

export interface ForgotFigures {
  existing: LoadResult;
  unknown: LoadResult;
  /** The floor's slices, one after each of the service's. */
  floor: LoadResult;
  /** WAL bytes written per request (the background work included), by kind. */
  walPerRequest: Record<"existing" | "unknown" | "floor", number>;
  rounds: number;
  mailed: MailedFigures;
  mixed: LoadResult;
}

export function forgotStream(csrfHeaders: Record<string, string>, label: string, email: () => string, firstAddress: number): Stream {
  const address = addressSequence(firstAddress);
  return {
    label,
    next: () => ({
      method: "POST",
      path: "/api/v1/auth/forgot-password",
      headers: { ...csrfHeaders, "x-forwarded-for": address() },
      body: JSON.stringify({ email: email() }),
    }),
  };
}

export async function forgotScenarios(ctx: SuiteContext): Promise<ForgotFigures> {
  const rounds = ctx.pace.quick ? 2 : 3;
  const seconds = ctx.pace.quick ? 3 : 4;
  const headers = writeHeaders(ctx.csrf);
  // Addresses nobody else in the suite uses; every request from a client address of its own.
  const mailedCount = ctx.pace.quick ? 2_000 : 4_000;
  const pool = await ctx.db.activeUsers(BENCH_CO, "user", "email_normalized", 60_000, 10_000);
  const perSlice = Math.floor((pool.length - mailedCount - 2 * ctx.pace.forgotEach) / rounds);
  if (perSlice < 1_000) throw new Error(`only ${pool.length} addresses for the forgot-password scenarios`);
  let unknownCount = 0;
  const unknown = () => `nobody.${++unknownCount}@nowhere.bench.example`;
  // Earlier scenarios' mail and jobs left dead rows in the queue tables: gone first, as autovacuum would.
  await ctx.db.vacuumQueueTables();
  const floor = await startServer(ctx.serverEnv, 60_000, undefined, "bench/insert-floor-server.ts");
  const service = { base: ctx.base, pid: ctx.pid, connections: 10, expect: 202, seconds };
  const slices: Record<"existing" | "unknown" | "floor", LoadResult[]> = { existing: [], unknown: [], floor: [] };
  const wal: Record<"existing" | "unknown" | "floor", { bytes: number; n: number }> = { existing: { bytes: 0, n: 0 }, unknown: { bytes: 0, n: 0 }, floor: { bytes: 0, n: 0 } };
  const slice = async (kind: "existing" | "unknown" | "floor", options: Parameters<typeof runLoad>[0]) => {
    await ctx.db.clearRateLimits();
    await ctx.db.settle();
    const before = await ctx.db.walLsn();
    const result = await runLoad({ ...options, keepSamples: true });
    // The work a request leaves behind (the worker's) belongs to it too.
    await ctx.db.settle();
    wal[kind].bytes += (await ctx.db.walLsn()) - before;
    wal[kind].n += result.n;
    slices[kind].push(result);
  };
  let next = 0;
  const existingSlice = () => {
    const addresses = pool.slice(next, next + perSlice);
    next += perSlice;
    return forgotStream(headers, "existing", cycle(addresses), 5_000_000 + next);
  };
  try {
    const floorLoad = { ...service, base: floor.url, pid: floor.pid, streams: [forgotStream(headers, "floor", unknown, 7_000_000)] };
    // Not counted: JIT, pools and caches warm up first.
    await runLoad({ ...service, name: "forgot warm-up", seconds: 2, streams: [forgotStream(headers, "unknown", unknown, 6_000_000)] });
    await runLoad({ ...floorLoad, name: "floor warm-up", seconds: 2 });
    for (let round = 0; round < rounds; round++) {
      // No request count (autocannon would then ignore the duration): the slice's addresses outnumber what 3-4 s can send.
      await slice("existing", { ...service, name: `forgot existing, slice ${round + 1}`, streams: [existingSlice()] });
      await slice("floor", { ...floorLoad, name: `floor, slice ${2 * round + 1}` });
      await slice("unknown", { ...service, name: `forgot unknown, slice ${round + 1}`, streams: [forgotStream(headers, "unknown", unknown, 8_000_000 + round * 100_000)] });
      await slice("floor", { ...floorLoad, name: `floor, slice ${2 * round + 2}` });
    }
  } finally {
    await floor.stop();
  }
  const existing = mergeSlices("forgot password, existing address (alternating with the floor)", slices.existing);
  const unknownResult = mergeSlices("forgot password, unknown address (alternating with the floor)", slices.unknown);
  const floorResult = mergeSlices("the floor: one INSERT per request through the same pool", slices.floor);
  ctx.results.push(existing, unknownResult, floorResult);

  const mailedStart = rounds * perSlice;
  const toMail = await ctx.run({
    name: "forgot password, existing address, to the last email",
    connections: 10,
    expect: 202,
    amount: mailedCount,
    seconds: 120,
    streams: [forgotStream(headers, "existing", cycle(pool.slice(mailedStart, mailedStart + mailedCount)), 9_000_000)],
  });
  const mailed = await ctx.toLastEmail(toMail);
  const mixedStart = mailedStart + mailedCount;
  const mixed = await ctx.run({
    name: "forgot password, existing and unknown alternating",
    connections: 10,
    expect: 202,
    seconds: 120,
    amount: ctx.pace.forgotEach * 2,
    streams: [forgotStream(headers, "existing", cycle(pool.slice(mixedStart, mixedStart + ctx.pace.forgotEach)), 10_000_000), forgotStream(headers, "unknown", unknown, 11_000_000)],
  });
  const walPerRequest = { existing: wal.existing.bytes / wal.existing.n, unknown: wal.unknown.bytes / wal.unknown.n, floor: wal.floor.bytes / wal.floor.n };
  for (const r of [existing, unknownResult, floorResult]) console.log(`${r.name.padEnd(70)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  PostgreSQL ${r.cpuPerRequest?.postgresMs?.toFixed(2) ?? "?"} ms CPU/req`);
  console.log(`WAL bytes per request: existing ${walPerRequest.existing.toFixed(0)}, unknown ${walPerRequest.unknown.toFixed(0)}, floor ${walPerRequest.floor.toFixed(0)}`);
  return { existing, unknown: unknownResult, floor: floorResult, walPerRequest, rounds, mailed, mixed };
}
