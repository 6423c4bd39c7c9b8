import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FastifyRequest } from "fastify";
import { BackgroundPacer, BUSY_REQUESTS, LONGEST_REST_MS, REST_PER_WORK, type RequestLoad } from "../../src/jobs/pacer.ts";
import { InFlightRequests } from "../../src/http/in-flight.ts";
import { metrics } from "../../src/metrics/metrics.ts";

/** A request path whose peak the test sets: `peak` is what the next look reads, `now` what it leaves for the one after. */
function loadOf(initial: number): RequestLoad & { set(n: number): void } {
  let count = initial;
  let peak = initial;
  return {
    set(n) {
      count = n;
      peak = Math.max(peak, n);
    },
    takePeak() {
      const seen = peak;
      peak = count;
      return seen;
    },
  };
}

/** How long turn() takes on the fake clock, advancing it 1 ms at a time (or null past `limitMs`). */
async function restOf(pacer: BackgroundPacer, lastBatchMs: number, limitMs = 5_000, during?: (elapsed: number) => void): Promise<number | null> {
  let done = false;
  const started = performance.now();
  void pacer.turn("test", lastBatchMs).then(() => (done = true));
  await Promise.resolve();
  for (let elapsed = 0; elapsed <= limitMs; elapsed++) {
    await vi.advanceTimersByTimeAsync(0);
    if (done) return performance.now() - started;
    during?.(elapsed);
    await vi.advanceTimersByTimeAsync(1);
  }
  return null;
}

const restedSeconds = async () => (await metrics.backgroundRest.get()).values.find((v) => v.labels.worker === "test")?.value ?? 0;

describe("the background pacer (decision 0052)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives a worker its turn at once while fewer than BUSY_REQUESTS requests are being worked on", async () => {
    for (const count of [0, 1, BUSY_REQUESTS - 1]) {
      const pacer = new BackgroundPacer();
      pacer.watch(loadOf(count));
      expect(await restOf(pacer, 500)).toBe(0);
    }
    // Never watched (the CLI, a worker-only test): never busy.
    expect(await restOf(new BackgroundPacer(), 500)).toBe(0);
  });

  it("during a rush, rests REST_PER_WORK times the last batch, never more than LONGEST_REST_MS, and counts the rest", async () => {
    const before = await restedSeconds();
    for (const [lastBatchMs, expected] of [
      [50, 50 * REST_PER_WORK],
      [100, 100 * REST_PER_WORK],
      [400, LONGEST_REST_MS],
      [5_000, LONGEST_REST_MS],
    ] as const) {
      const pacer = new BackgroundPacer();
      pacer.watch(loadOf(BUSY_REQUESTS + 6));
      const rested = await restOf(pacer, lastBatchMs);
      expect(rested, `after a batch of ${lastBatchMs} ms`).not.toBeNull();
      expect(rested).toBeGreaterThanOrEqual(expected);
      expect(rested).toBeLessThanOrEqual(expected + 10);
    }
    expect((await restedSeconds()) - before).toBeGreaterThanOrEqual((300 + 600 + 1_000 + 1_000) / 1000);
  });

  it("ends the rest soon after the rush is over, and a rush seen between two looks still counts", async () => {
    const load = loadOf(BUSY_REQUESTS);
    const pacer = new BackgroundPacer();
    pacer.watch(load);
    const rested = await restOf(pacer, 1_000, 5_000, (elapsed) => {
      if (elapsed === 100) load.set(0);
    });
    expect(rested).toBeGreaterThanOrEqual(100);
    expect(rested).toBeLessThan(200);

    // Nothing in flight at the instant of the look, but six requests at once since the last one: busy.
    const between = loadOf(0);
    const watched = new BackgroundPacer();
    watched.watch(between);
    between.set(6);
    between.set(0);
    expect(await restOf(watched, 100)).toBeGreaterThanOrEqual(10);
  });
});

describe("InFlightRequests' peak (what the pacer reads)", () => {
  it("is the most requests in flight at once since the last reading, then starts from the current count", () => {
    const inFlight = new InFlightRequests();
    const requests = Array.from({ length: 5 }, () => ({}) as FastifyRequest);
    for (const request of requests) inFlight.start(request);
    for (const request of requests.slice(0, 4)) inFlight.end(request);
    expect(inFlight.count).toBe(1);
    expect(inFlight.takePeak()).toBe(5);
    expect(inFlight.takePeak()).toBe(1);
    // A request counted twice (its handler settled, then its response went out) lowers nothing twice.
    inFlight.end(requests[4] as FastifyRequest);
    inFlight.end(requests[4] as FastifyRequest);
    expect(inFlight.takePeak()).toBe(1);
    expect(inFlight.takePeak()).toBe(0);
  });
});
