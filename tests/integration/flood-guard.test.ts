import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.ts";

describe("the per-instance flood guard (GLOBAL_RATE_LIMIT_PER_MINUTE)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, smtp: false, env: { GLOBAL_RATE_LIMIT_PER_MINUTE: "3" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses past its limit with 429, a message that says how long to wait, and Retry-After", async () => {
    const client = t.client("198.51.100.40");
    for (let i = 0; i < 3; i += 1) expect((await client.get("/api/v1/config")).status).not.toBe(429);
    const refused = await client.get("/api/v1/config");
    expect(refused.status).toBe(429);
    const seconds = Number(refused.headers["retry-after"]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(refused.body).toMatchObject({ error: { code: "RATE_LIMITED", details: { retryAfterSeconds: seconds } } });
    const message = (refused.body as { error: { message: string } }).error.message;
    expect(message).toMatch(/^Too many requests from your address\. Try again in (\d+ seconds?|1 minute)\.$/);
    expect(message).not.toContain("a little");
    // Another address is not held back by this one.
    expect((await t.client("198.51.100.41").get("/api/v1/config")).status).not.toBe(429);
  });
});
