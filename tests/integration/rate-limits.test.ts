import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hitRateLimits } from "../../src/features/rate-limit.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const MINUTE = 60_000;

describe("several rate limits counted in one statement", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("keeps each key's own limit and window, and answers in the order asked", async () => {
    const short = { key: "test:short", rule: { limit: 2, windowMs: MINUTE } };
    const long = { key: "test:long", rule: { limit: 3, windowMs: 60 * MINUTE } };
    const hit = () => hitRateLimits(t.deps.db, [long, short], t.clock.now());

    expect(await hit()).toEqual([{ allowed: true, count: 1 }, { allowed: true, count: 1 }]);
    expect(await hit()).toEqual([{ allowed: true, count: 2 }, { allowed: true, count: 2 }]);
    expect(await hit()).toEqual([{ allowed: true, count: 3 }, { allowed: false, count: 3 }]);

    // Past the short window only: that key starts again, the long one goes on counting.
    t.clock.advance(MINUTE + 1_000);
    expect(await hit()).toEqual([{ allowed: false, count: 4 }, { allowed: true, count: 1 }]);

    t.clock.advance(60 * MINUTE);
    expect(await hit()).toEqual([{ allowed: true, count: 1 }, { allowed: true, count: 1 }]);
  });

  it("refuses to count one key twice in a statement", async () => {
    const rule = { limit: 5, windowMs: MINUTE };
    await expect(hitRateLimits(t.deps.db, [{ key: "test:twice", rule }, { key: "test:twice", rule }], t.clock.now())).rejects.toThrow(/twice/);
  });
});
