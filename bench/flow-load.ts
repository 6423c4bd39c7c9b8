/**
 * A load loop for what autocannon cannot express: a stateful exchange, each step built from the
 * answer to the one before (a code flow's redirects and cookies, a refresh token that rotates).
 * Like autocannon, a fixed number of connections, each sending its next request as soon as the last
 * answer arrived, for a fixed time. A "flow" is what one connection does per turn; the result counts
 * completed flows, so its rate compares with autocannon's requests per second for a scenario whose
 * unit is one request.
 */
import { Connection, type Reply } from "./browser.ts";
import { cpuPerRequest, cpuSnapshot } from "./cpu-time.ts";
import { latencies, residentMiB, type Latencies, type LoadResult } from "./load.ts";

/** A step answered something else than the flow expects: the flow is abandoned and counted under `step status`. */
export class StepFailure extends Error {
  readonly key: string;

  constructor(step: string, reply: Reply) {
    super(`${step} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    this.key = `${step} ${reply.status}`;
  }
}

/** What a flow gets each turn: its connection, its index (for state kept per connection), and a timed request that records the step. */
export interface FlowTurn {
  index: number;
  connection: Connection;
  step(label: string, method: "GET" | "POST", path: string, headers?: Record<string, string>, body?: string): Promise<Reply>;
}

export interface FlowLoadOptions {
  name: string;
  base: string;
  /** The server process: its memory and CPU are reported. */
  pid: number;
  connections: number;
  seconds: number;
  flow(turn: FlowTurn): Promise<void>;
  /** Return every completed flow's latency too, to merge slices (`mergeSlices` in load.ts). */
  keepSamples?: boolean;
}

/** One connection per index, kept across slices so that keep-alive and per-connection state carry over. */
export class ConnectionPool {
  readonly #connections: Connection[] = [];
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  get(index: number): Connection {
    this.#connections[index] ??= new Connection(this.base);
    return this.#connections[index];
  }

  close(): void {
    for (const connection of this.#connections) connection.close();
  }
}

/** A connection's turn outside a measured run (preparing state), or inside one with `record` keeping each step's latency. */
export function turnOf(pool: ConnectionPool, index: number, record: (label: string, ms: number) => void = () => {}): FlowTurn {
  const connection = pool.get(index);
  return {
    index,
    connection,
    async step(label, method, path, headers, body) {
      const reply = await connection.send(method, path, headers, body);
      record(label, reply.ms);
      return reply;
    },
  };
}

export async function runFlowLoad(options: FlowLoadOptions, pool: ConnectionPool): Promise<LoadResult> {
  const flowSamples: number[] = [];
  const stepSamples = new Map<string, number[]>();
  const unexpected: Record<string, number> = {};
  let errors = 0;
  let peakRss = residentMiB(options.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, residentMiB(options.pid))), 250);

  const cpuBefore = cpuSnapshot(options.pid);
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const loop = async (index: number) => {
    const turn = turnOf(pool, index, (label, ms) => {
      let samples = stepSamples.get(label);
      if (!samples) stepSamples.set(label, (samples = []));
      samples.push(ms);
    });
    while (performance.now() < deadline) {
      const flowStarted = performance.now();
      try {
        await options.flow(turn);
        flowSamples.push(performance.now() - flowStarted);
      } catch (error) {
        if (error instanceof StepFailure) unexpected[error.key] = (unexpected[error.key] ?? 0) + 1;
        else errors++;
        if (errors > 100) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, index) => loop(index)));
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSnapshot(options.pid);
  clearInterval(sampler);

  const byLabel: Record<string, Latencies & { rps: number }> = Object.fromEntries(
    [...stepSamples].map(([label, values]) => [label, { ...latencies(values), rps: values.length / seconds }]),
  );
  return {
    name: options.name,
    connections: options.connections,
    seconds,
    rps: flowSamples.length / seconds,
    ...latencies(flowSamples),
    unexpected,
    errors,
    rssMiB: Math.max(peakRss, residentMiB(options.pid)),
    cpuPerRequest: cpuPerRequest(cpuBefore, cpuAfter, flowSamples.length),
    byLabel,
    ...(options.keepSamples ? { samples: flowSamples, labelSamples: Object.fromEntries(stepSamples) } : {}),
  };
}
