import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.ts";
import { hitRateLimits, hitRateLimitsInTurn } from "../../src/features/rate-limit.ts";
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
    const hit = async () => (await hitRateLimits(t.deps.db, [long, short], t.clock.now())).map(({ allowed, count }) => ({ allowed, count }));
    const start = t.clock.now().getTime();

    expect(await hit()).toEqual([{ allowed: true, count: 1 }, { allowed: true, count: 1 }]);
    expect(await hit()).toEqual([{ allowed: true, count: 2 }, { allowed: true, count: 2 }]);
    expect(await hit()).toEqual([{ allowed: true, count: 3 }, { allowed: false, count: 3 }]);
    // Each answer says when its own window ends.
    expect((await hitRateLimits(t.deps.db, [long, short], t.clock.now())).map((h) => h.resetAt.getTime())).toEqual([start + 60 * MINUTE, start + MINUTE]);

    // Past the short window only: that key starts again, the long one goes on counting.
    t.clock.advance(MINUTE + 1_000);
    expect(await hit()).toEqual([{ allowed: false, count: 5 }, { allowed: true, count: 1 }]);

    t.clock.advance(60 * MINUTE);
    expect(await hit()).toEqual([{ allowed: true, count: 1 }, { allowed: true, count: 1 }]);
  });

  it("counts a key in turn only while every key before it is within its limit, writing no row for it otherwise", async () => {
    const gate = { key: "test:gate", rule: { limit: 2, windowMs: MINUTE } };
    const rowsOf = async (key: string) => (await queryRows<{ count: number }>(t.deps.db, sql`select count from rate_limits where key = ${key}`)).map((r) => Number(r.count));
    const hit = async (name: string) => (await hitRateLimitsInTurn(t.deps.db, [gate, { key: `test:behind:${name}`, rule: { limit: 5, windowMs: MINUTE } }], t.clock.now())).map((h) => h && { allowed: h.allowed, count: h.count });

    expect(await hit("a")).toEqual([{ allowed: true, count: 1 }, { allowed: true, count: 1 }]);
    expect(await hit("a")).toEqual([{ allowed: true, count: 2 }, { allowed: true, count: 2 }]);
    // Over the gate: the key behind it is neither counted nor created, whatever its name.
    for (const name of ["a", "b", "c"]) expect(await hit(name)).toEqual([{ allowed: false, count: expect.any(Number) }, null]);
    expect(await rowsOf("test:behind:a")).toEqual([2]);
    expect(await rowsOf("test:behind:b")).toEqual([]);

    t.clock.advance(MINUTE + 1_000);
    expect(await hit("b")).toEqual([{ allowed: true, count: 1 }, { allowed: true, count: 1 }]);
  });

  it("refuses to count one key twice in a statement", async () => {
    const rule = { limit: 5, windowMs: MINUTE };
    await expect(hitRateLimits(t.deps.db, [{ key: "test:twice", rule }, { key: "test:twice", rule }], t.clock.now())).rejects.toThrow(/twice/);
  });
});
