/**
 * One load scenario: autocannon against the spawned server, every response timed to the
 * microsecond (autocannon's own histogram keeps whole milliseconds), the server's memory sampled
 * from /proc while it runs.
 */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { cpuPerRequest, cpuSnapshot, type CpuSnapshot } from "./cpu-time.ts";
import { percentile } from "./support.ts";

export interface RequestSpec {
  method?: "GET" | "POST" | "PATCH";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A kind of request. A scenario with several streams sends them in turn on every connection. */
export interface Stream {
  label: string;
  next(): RequestSpec;
}

export interface LoadOptions {
  name: string;
  base: string;
  /** The server process: its resident memory is reported. */
  pid: number;
  connections: number;
  seconds: number;
  /** Stops after this many requests, whichever comes first with `seconds`. */
  amount?: number;
  /** The status every response should have; others are counted as unexpected and left out of the latencies. */
  expect: number;
  streams: Stream[];
  /** Another scenario runs at the same time: the CPU of the processes cannot be split between them. */
  sideBySide?: boolean;
  /** Return every accepted latency too, to merge slices of one scenario (`mergeSlices`). */
  keepSamples?: boolean;
}

export interface Latencies {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult extends Latencies {
  name: string;
  connections: number;
  seconds: number;
  /** Responses with the expected status, per second. */
  rps: number;
  unexpected: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  /** Peak resident set size of the server while the scenario ran. */
  rssMiB: number;
  /** CPU milliseconds per answered request: server, local PostgreSQL, load generator (not for scenarios run side by side). */
  cpuPerRequest?: CpuSnapshot;
  byLabel: Record<string, Latencies & { rps: number }>;
  samples?: number[];
  /** With `samples`: every accepted latency by label, so that merged slices keep `byLabel`. */
  labelSamples?: Record<string, number[]>;
}

export function latencies(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

export function residentMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const samples = new Map<string, number[]>(options.streams.map((s) => [s.label, []]));
  const unexpected: Record<string, number> = {};
  // autocannon calls a request's onResponse and then, synchronously, emits "response" with the
  // timing: the label set by the first is the one the second belongs to.
  let answered = "";
  let accepted = false;
  let peakRss = residentMiB(options.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, residentMiB(options.pid))), 250);

  const requests = options.streams.map((stream) => ({
    setupRequest: (request: autocannon.Request) => {
      const spec = stream.next();
      return { ...request, method: spec.method ?? "GET", path: spec.path, body: spec.body ?? "", headers: { ...request.headers, ...spec.headers } };
    },
    onResponse: (status: number) => {
      answered = stream.label;
      accepted = status === options.expect;
      if (!accepted) unexpected[status] = (unexpected[status] ?? 0) + 1;
    },
  }));

  const cpuBefore = cpuSnapshot(options.pid);
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.base,
        connections: options.connections,
        duration: options.seconds,
        ...(options.amount ? { amount: options.amount } : {}),
        timeout: 30,
        requests,
      },
      (error: unknown, finished: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      if (accepted) samples.get(answered)?.push(responseTime);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot(options.pid);
  clearInterval(sampler);

  const all = [...samples.values()].flat();
  const byLabel = Object.fromEntries(
    [...samples].map(([label, values]) => [label, { ...latencies(values), rps: values.length / seconds }]),
  );
  return {
    name: options.name,
    connections: options.connections,
    seconds,
    rps: all.length / seconds,
    ...latencies(all),
    unexpected,
    errors: result.errors,
    rssMiB: Math.max(peakRss, residentMiB(options.pid)),
    ...(options.sideBySide ? {} : { cpuPerRequest: cpuPerRequest(cpuBefore, cpuAfter, all.length) }),
    byLabel,
    ...(options.keepSamples ? { samples: all, labelSamples: Object.fromEntries(samples) } : {}),
  };
}

/** One scenario measured in slices (kept samples), as if it had run once: counts and CPU added up, latencies over every request. */
export function mergeSlices(name: string, slices: LoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number) => slices.reduce((total, r) => total + pick(r), 0);
  const all = slices.flatMap((r) => r.samples ?? []);
  const seconds = sum((r) => r.seconds);
  const perRequest = (pick: (c: CpuSnapshot) => number | null) =>
    slices.some((r) => !r.cpuPerRequest || pick(r.cpuPerRequest) === null) ? null : sum((r) => (r.cpuPerRequest ? (pick(r.cpuPerRequest) ?? 0) : 0) * r.n) / all.length;
  const unexpected: Record<string, number> = {};
  for (const r of slices) for (const [status, count] of Object.entries(r.unexpected)) unexpected[status] = (unexpected[status] ?? 0) + count;
  const byLabel: Record<string, number[]> = {};
  for (const r of slices) for (const [label, values] of Object.entries(r.labelSamples ?? {})) (byLabel[label] ??= []).push(...values);
  return {
    name,
    connections: slices[0]?.connections ?? 0,
    seconds,
    rps: all.length / seconds,
    ...latencies(all),
    unexpected,
    errors: sum((r) => r.errors),
    rssMiB: Math.max(...slices.map((r) => r.rssMiB)),
    cpuPerRequest: {
      serverMs: perRequest((c) => c.serverMs),
      serverPoolMs: perRequest((c) => c.serverPoolMs),
      postgresMs: perRequest((c) => c.postgresMs),
      loadGeneratorMs: perRequest((c) => c.loadGeneratorMs) ?? Number.NaN,
    },
    byLabel: Object.fromEntries(Object.entries(byLabel).map(([label, values]) => [label, { ...latencies(values), rps: values.length / seconds }])),
  };
}

/** Distinct documentation-range-free client addresses (10.0.0.0/8), one per call: per-client limits never bite. */
export function addressSequence(start = 1): () => string {
  let n = start;
  return () => {
    n = (n + 1) % 16_777_216;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };
}

/** Cycles through a list forever. */
export function cycle<T>(items: T[]): () => T {
  if (items.length === 0) throw new Error("nothing to cycle through");
  let i = -1;
  return () => items[(i = (i + 1) % items.length)] as T;
}
