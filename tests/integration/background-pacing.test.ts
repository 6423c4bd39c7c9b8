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

  it("rests the workers after a burst of requests the app itself counted", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const user = await createUser(t.deps, company);
    const before = await rested();
    // Forty requests at once: the app's in-flight count (src/http/in-flight.ts) peaks far above the threshold.
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => forgot(i === 0 ? user.email : `nobody.${i}@pacing.example`)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await nextResetEmail(t, user.email);
    await settleForgotPasswordJobs(t);
    const after = await rested();
    expect((after["forgot-password"] ?? 0) - (before["forgot-password"] ?? 0)).toBeGreaterThan(0);
  });

  it("still sends every email, a batch at least each second, when the instance never stops being busy", async () => {
    const { company } = await createCompanyWithUsers(t.deps);
    const users = await Promise.all(Array.from({ length: 3 }, () => createUser(t.deps, company)));
    await settleOutbox(t);
    const before = await rested();
    // A request path that is always busy: without the longest rest, no batch would ever start.
    t.deps.pacer.watch({ takePeak: () => 1_000 });
    try {
      const started = performance.now();
      for (const user of users) expect((await forgot(user.email)).status).toBe(202);
      for (const user of users) await nextResetEmail(t, user.email, 0, 10_000);
      // Two rests at most before the batch (forgot-password, then email delivery), and the work itself.
      expect(performance.now() - started).toBeLessThan(4 * LONGEST_REST_MS + 3_000);
      const after = await rested();
      expect((after["forgot-password"] ?? 0) - (before["forgot-password"] ?? 0)).toBeGreaterThan(0);
      expect((after["email-delivery"] ?? 0) - (before["email-delivery"] ?? 0)).toBeGreaterThan(0);
    } finally {
      t.deps.pacer.watch(t.app.inFlight);
    }
  });
});
