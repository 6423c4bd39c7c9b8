import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LONGEST_REST_MS } from "../../src/jobs/pacer.ts";
import { metrics } from "../../src/metrics/metrics.ts";
import { createCompanyWithUsers, createUser } from "../support/factories.ts";
import { nextResetEmail, settleForgotPasswordJobs, settleOutbox } from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/** Seconds each worker has rested in this process so far (the counter is the process's). */
async function rested(): Promise<Record<string, number>> {
  const values = (await metrics.backgroundRest.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.worker), v.value]));
}

let clientNumber = 0;

describe("the background gives way to a busy request path (decision 0052)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const forgot = (email: string) => t.client(`203.0.113.${++clientNumber}`).post("/api/v1/auth/forgot-password", { email });

  it("rests the forgot-password worker while the app itself counts a rush of requests, and mails once it is over", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const user = await createUser(t.deps, company);
    const before = await rested();
    expect((await forgot(user.email)).status).toBe(202);
    // Waves of twenty requests at once for a second and more: the app's in-flight count
    // (src/http/in-flight.ts) stays far above the threshold while the worker has requests to take.
    const until = performance.now() + 1_500;
    let wave = 0;
    while (performance.now() < until) {
      wave++;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => forgot(`nobody.${wave}.${i}@pacing.example`)));
      expect(answers.every((a) => a.status === 202)).toBe(true);
    }
    await nextResetEmail(t, user.email);
    await settleForgotPasswordJobs(t);
    const after = await rested();
    expect((after["forgot-password"] ?? 0) - (before["forgot-password"] ?? 0)).toBeGreaterThan(0);
  });

  it("still sends every email, a batch at least each second, when the instance never stops being busy", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const users = await Promise.all(Array.from({ length: 3 }, () => createUser(t.deps, company)));
    await settleOutbox(t);
    // A request path that is always busy: without the longest rest, no batch would ever start.
    t.deps.pacer.watch({ takePeak: () => 1_000 });
    try {
      const started = performance.now();
      for (const user of users) expect((await forgot(user.email)).status).toBe(202);
      for (const user of users) await nextResetEmail(t, user.email, 0, 10_000);
      // No turn waits more than LONGEST_REST_MS: two waits (forgot-password, then email delivery) per email at most, and the work itself.
      expect(performance.now() - started).toBeLessThan(4 * LONGEST_REST_MS + 3_000);
    } finally {
      t.deps.pacer.watch(t.app.inFlight);
    }
  });
});
