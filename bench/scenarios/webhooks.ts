/**
 * Webhooks (issue 17): deliveries per second to a local receiver over a burst of actions (users
 * renamed through the API, ten connections), counted to the last delivery, and the time from an
 * action to its delivery (p50, p99), one action at a time, with the default poll interval (the
 * instance that wrote a delivery looks at once; another instance would at its next poll). (A
 * disabled endpoint gets no new events, so a backlog cannot be built by disabling it.)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { csrfForSession, signIn, writeHeaders } from "../api-client.ts";
import { cycle } from "../load.ts";
import type { SuiteContext } from "../scenario-context.ts";

const BENCH_CO = "Bench Co";

export interface WebhookFigures {
  backlog: number;
  drainSeconds: number;
  /** How long after the burst's last answer its last delivery arrived. */
  lagSeconds: number;
  deliveriesPerSecond: number;
  latencyN: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Counts deliveries and notes when each subject's name arrived; answers 204 at once. */
async function startSink() {
  const arrivals = new Map<string, number>();
  let count = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      count += 1;
      try {
        const payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { user?: { name?: string } } };
        const name = payload.data?.user?.name;
        if (name) arrivals.set(name, performance.now());
      } catch {
        // counted all the same
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    get count() {
      return count;
    },
    reset() {
      count = 0;
      arrivals.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

export async function webhookScenarios(ctx: SuiteContext): Promise<WebhookFigures> {
  const sink = await startSink();
  try {
    const [adminEmail] = await ctx.db.activeUsers(BENCH_CO, "administrator", "email_normalized", 1);
    if (!adminEmail) throw new Error("no administrator of Bench Co: run the generators first");
    const session = await signIn(ctx.base, ctx.csrf, adminEmail);
    const headers = writeHeaders(await csrfForSession(ctx.base, ctx.csrf, session), session);
    const api = async (method: string, path: string, body?: unknown) => {
      const { "content-type": _json, ...bare } = headers;
      const reply = await fetch(`${ctx.base}/api/v1${path}`, body === undefined ? { method, headers: bare } : { method, headers, body: JSON.stringify(body) });
      if (!reply.ok) throw new Error(`${method} ${path} answered ${reply.status}: ${await reply.text()}`);
      return (await reply.json()) as Record<string, any>;
    };
    const created = await api("POST", "/webhook-endpoints", { url: sink.url, events: ["user.updated"] });
    const endpointId = created.endpoint.id as string;
    const backlog = ctx.pace.quick ? 500 : 2_000;
    const targets = await ctx.db.activeUsers(BENCH_CO, "read_only", "id", Math.min(backlog, 400), 0);
    const target = cycle(targets);

    // Throughput: the burst's deliveries, from its first request to its last delivery. Names of this
    // run's own: a rename to the name a user already has changes nothing, writes no event, and a run
    // on a database an earlier run renamed waited 180 s for 200 deliveries that could never come.
    const run = Date.now().toString(36);
    let sequence = 0;
    sink.reset();
    const drainStarted = performance.now();
    const burst = await ctx.run({
      name: "rename user (writes a webhook event)",
      connections: 10,
      expect: 200,
      seconds: 120,
      amount: backlog,
      streams: [
        {
          label: "rename",
          next: () => ({ method: "PATCH", path: `/api/v1/users/${target()}`, headers, body: JSON.stringify({ name: `Bench Hook ${run} ${(sequence += 1)}` }) }),
        },
      ],
    });
    const answered = performance.now();
    const drained = await waitUntil(() => sink.count >= burst.n, 180_000);
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const lagSeconds = (performance.now() - answered) / 1000;
    const delivered = sink.count;
    if (!drained) console.log(`  (only ${delivered} of ${burst.n} deliveries after 180 s)`);

    // Latency: one action at a time, from the request to the delivery's arrival.
    const latencies: number[] = [];
    const samples = ctx.pace.quick ? 100 : 200;
    for (let i = 0; i < samples; i++) {
      const name = `Bench Latency ${run} ${i}`;
      const start = performance.now();
      await api("PATCH", `/users/${target()}`, { name });
      if (await waitUntil(() => sink.arrivals.has(name), 10_000)) latencies.push((sink.arrivals.get(name) ?? start) - start);
      // Actions land at random points of the worker's poll cycle (500 ms), as real ones do.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
    }
    latencies.sort((a, b) => a - b);
    await api("DELETE", `/webhook-endpoints/${endpointId}`);
    const figures = {
      backlog,
      drainSeconds,
      lagSeconds,
      deliveriesPerSecond: delivered / drainSeconds,
      latencyN: latencies.length,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
    };
    console.log(`${"  … to its last webhook delivery".padEnd(52)} ${figures.deliveriesPerSecond.toFixed(0).padStart(6)} deliveries/s  (${delivered} in ${drainSeconds.toFixed(1)} s; the last ${lagSeconds.toFixed(2)} s after the last answer)`);
    console.log(`${"action → webhook delivery".padEnd(52)} p50 ${figures.latencyP50Ms.toFixed(1)} ms  p99 ${figures.latencyP99Ms.toFixed(1)} ms  n=${latencies.length}`);
    return figures;
  } finally {
    await sink.close();
  }
}
