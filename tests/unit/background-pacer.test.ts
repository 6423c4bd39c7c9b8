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

/** How long turn() takes on the fake clock, advancing it 1 ms at a time (or null past `limitMs`); the batch it gave is left running. */
async function waitOf(pacer: BackgroundPacer, limitMs = 5_000, during?: (elapsed: number) => void): Promise<{ ms: number | null; done: () => void }> {
  let done: (() => void) | null = null;
  const started = performance.now();
  void pacer.turn("test").then((end) => (done = end));
  for (let elapsed = 0; elapsed <= limitMs; elapsed++) {
    await vi.advanceTimersByTimeAsync(0);
    if (done) return { ms: performance.now() - started, done };
    during?.(elapsed);
    await vi.advanceTimersByTimeAsync(1);
  }
  return { ms: null, done: () => {} };
}

/** A batch that takes `ms` on the fake clock. */
async function batchOf(pacer: BackgroundPacer, ms: number): Promise<void> {
  const { done } = await waitOf(pacer);
  await vi.advanceTimersByTimeAsync(ms);
  done();
}

const restedSeconds = async () => (await metrics.backgroundRest.get()).values.find((v) => v.labels.worker === "test")?.value ?? 0;

describe("the background pacer (decision 0052)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives every turn at once, batches side by side, while fewer than BUSY_REQUESTS requests are worked on at once", async () => {
    for (const count of [0, 1, BUSY_REQUESTS - 1]) {
      const pacer = new BackgroundPacer();
      pacer.watch(loadOf(count));
      await batchOf(pacer, 500);
      const first = await waitOf(pacer);
      expect(first.ms).toBe(0);
      // A second batch while the first still runs: not busy, so no waiting either.
      expect((await waitOf(pacer)).ms).toBe(0);
    }
    // Never watched (the CLI, a worker-only test): never busy.
    const unwatched = new BackgroundPacer();
    await batchOf(unwatched, 500);
    expect((await waitOf(unwatched)).ms).toBe(0);
  });

  it("during a rush, rests REST_PER_WORK times the last batch, never more than LONGEST_REST_MS, and counts the rest", async () => {
    const before = await restedSeconds();
    let rested = 0;
    for (const [batchMs, expected] of [
      [50, 50 * REST_PER_WORK],
      [100, 100 * REST_PER_WORK],
      [400, LONGEST_REST_MS],
      [5_000, LONGEST_REST_MS],
    ] as const) {
      const pacer = new BackgroundPacer();
      pacer.watch(loadOf(BUSY_REQUESTS + 6));
      await batchOf(pacer, batchMs);
      const next = await waitOf(pacer);
      expect(next.ms, `after a batch of ${batchMs} ms`).not.toBeNull();
      expect(next.ms).toBeGreaterThanOrEqual(expected);
      expect(next.ms).toBeLessThanOrEqual(expected + 10);
      rested += expected;
    }
    expect((await restedSeconds()) - before).toBeGreaterThanOrEqual(rested / 1000);
  });

  it("during a rush, runs one batch at a time, whichever worker's, yet no turn waits more than LONGEST_REST_MS", async () => {
    const pacer = new BackgroundPacer();
    pacer.watch(loadOf(BUSY_REQUESTS));
    const endFirst = await pacer.turn("test");
    // The first batch is still running: a second worker's turn waits for it, then for its rest.
    const asked = performance.now();
    let givenAt: number | null = null;
    void pacer.turn("test").then(() => (givenAt = performance.now()));
    await vi.advanceTimersByTimeAsync(40);
    expect(givenAt).toBeNull();
    endFirst();
    await vi.advanceTimersByTimeAsync(40 * REST_PER_WORK - 20);
    expect(givenAt).toBeNull();
    await vi.advanceTimersByTimeAsync(40);
    expect(givenAt).not.toBeNull();
    expect(givenAt! - asked).toBeGreaterThanOrEqual(40 + 40 * REST_PER_WORK);
    // That second batch never ends (a mail server that hangs): it holds the next turn LONGEST_REST_MS at most.
    const askedAgain = performance.now();
    let thirdAt: number | null = null;
    void pacer.turn("test").then(() => (thirdAt = performance.now()));
    await vi.advanceTimersByTimeAsync(LONGEST_REST_MS - 20);
    expect(thirdAt).toBeNull();
    await vi.advanceTimersByTimeAsync(40);
    expect(thirdAt! - askedAgain).toBeGreaterThanOrEqual(LONGEST_REST_MS);
  });

  it("ends the rest soon after the rush is over, and a rush seen between two looks still counts", async () => {
    const load = loadOf(BUSY_REQUESTS);
    const pacer = new BackgroundPacer();
    pacer.watch(load);
    await batchOf(pacer, 1_000);
    const next = await waitOf(pacer, 5_000, (elapsed) => {
      if (elapsed === 100) load.set(0);
    });
    expect(next.ms).toBeGreaterThanOrEqual(100);
    expect(next.ms).toBeLessThan(200);

    // Nothing in flight at the instant of the look, but six requests at once since the last one: busy.
    const between = loadOf(0);
    const watched = new BackgroundPacer();
    watched.watch(between);
    await batchOf(watched, 100);
    between.set(6);
    between.set(0);
    expect((await waitOf(watched)).ms).toBeGreaterThanOrEqual(10);
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
