import { inArray } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../src/app.ts";
import { fixedClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config.ts";
import { emails } from "../../src/db/schema.ts";
import { buildDeps, closeDeps, type Deps } from "../../src/deps.ts";
import { DELIVER_EMAIL_QUEUE } from "../../src/email/delivery-queue.ts";
import { countWaitingForgotPasswordRequests } from "../../src/features/auth/password-reset/forgot-password-requests.queries.ts";
import { JOB_QUEUES } from "../../src/job-queues.ts";
import { startWorkers, WORKER_NAMES } from "../../src/workers.ts";
import { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, createUser, FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { enqueueTestEmail, waitForEmailStatus } from "../support/outbox.ts";
import { eventually, sleep } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import { TEST_PUBLIC_URL } from "../support/test-app.ts";
import { BACKCHANNEL_LOGOUT_QUEUE } from "../../src/features/oidc-grants/backchannel-logout-queue.ts";
import { createTestDatabase } from "../support/test-database.ts";

/**
 * The process as src/server.ts wires it, one step at a time: deps, the HTTP app, then the workers.
 * (startTestApp starts the workers itself, which is what these tests take apart.)
 */
describe("background workers start and stop in one place (src/jobs/workers.ts)", () => {
  let deps: Deps;
  let app: App | undefined;
  let smtp: TestSmtpServer;
  let dropDatabase: () => Promise<void>;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    const config = loadConfig({ NODE_ENV: "test", PUBLIC_URL: TEST_PUBLIC_URL, SMTP_URL: smtp.url, LOG_LEVEL: "silent", GLOBAL_RATE_LIMIT_PER_MINUTE: "0" });
    const testDb = await createTestDatabase();
    dropDatabase = testDb.drop;
    deps = await buildDeps(config, { database: testDb.database, clock: fixedClock(new Date()), logger: pino({ level: "silent" }) });
    app = undefined;
  });
  afterEach(async () => {
    await app?.close();
    if (deps) await closeDeps(deps);
    await smtp?.stop();
    await dropDatabase?.();
  });

  const startApp = async () => {
    app = await buildApp(deps);
    await app.ready();
    return app;
  };
  /** The queues pg-boss is working on in this process: one entry per fetcher. */
  const queuesWorkedOn = () => [...new Set(deps.jobs.boss.getWipData().map((worker) => worker.name))].sort();
  const jobStates = async (queue: string) => (await deps.jobs.boss.findJobs(queue, { limit: 1_000 })).map((job) => job.state);
  const emailStatus = async (id: string) => (await waitForEmailStatus(deps, id, ["sent", "queued", "retrying", "failed", "dropped"], 0)).status;
  const signIn = async (http: App, user: SeedUser) => {
    const browser = new TestClient(http);
    expect((await browser.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD })).status).toBe(200);
    return browser;
  };

  it("sets up every queue with the process's deps, once: neither the HTTP app nor startWorkers defines one again", async () => {
    expect(JOB_QUEUES.map((queue) => queue.name).sort()).toEqual([DELIVER_EMAIL_QUEUE, BACKCHANNEL_LOGOUT_QUEUE].sort());
    for (const queue of JOB_QUEUES) {
      const { retryLimit, retryDelay, expireInSeconds } = queue.settings(deps.config);
      expect(await deps.jobs.boss.getQueue(queue.name), queue.name).toMatchObject({ retryLimit, retryDelay, expireInSeconds });
      // An operator's change to a queue, made after this process set it up: whatever defines the
      // queue a second time would put the setting back.
      await deps.jobs.boss.updateQueue(queue.name, { deleteAfterSeconds: 4_321 });
    }
    const http = await startApp();

    const { company, users } = await createCompanyWithUsers(deps);
    const user = await createUser(deps, company);
    expect((await new TestClient(http, "203.0.113.7").post("/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
    const workers = await startWorkers(deps);
    try {
      const admin = await signIn(http, users.administrator);
      expect((await admin.post(`/api/v1/users/${user.id}/password-reset`)).status).toBe(202);
      await smtp.waitFor({ to: user.email, subject: /reset/i });
      for (const queue of JOB_QUEUES) expect((await deps.jobs.boss.getQueue(queue.name))?.deleteAfterSeconds, queue.name).toBe(4_321);
    } finally {
      await workers.stop();
    }
  });

  it("takes no job while only the HTTP app runs — forgot-password requests and queued emails wait — and every one after startWorkers", async () => {
    const http = await startApp();
    const { company, users } = await createCompanyWithUsers(deps);
    const targets = await Promise.all([0, 1, 2].map(() => createUser(deps, company)));
    const admin = await signIn(http, users.administrator);
    // Existing and unknown addresses, from several clients; an administrator's reset; a direct email.
    for (const [i, email] of [...targets.map((u) => u.email), "nobody@example.test", targets[0]?.email].entries()) {
      expect((await new TestClient(http, `198.51.100.${i + 1}`).post("/api/v1/auth/forgot-password", { email })).status).toBe(202);
    }
    expect((await admin.post(`/api/v1/users/${targets[1]?.id}/password-reset`)).status).toBe(202);
    await enqueueTestEmail(deps, { to: "direct@example.test" });

    // Longer than the workers' 1-s poll and their NOTIFY wake-up: a worker anywhere would have taken them.
    await sleep(2_500);
    expect(queuesWorkedOn()).toEqual([]);
    // Forgot password has a table of its own, not a queue (decision 0034): the requests wait in it.
    expect(await countWaitingForgotPasswordRequests(deps.db)).toBe(5);
    expect(new Set(await jobStates(DELIVER_EMAIL_QUEUE))).toEqual(new Set(["created"]));
    expect(await deps.db.select().from(emails).where(inArray(emails.status, ["sent", "retrying", "failed", "dropped"]))).toEqual([]);
    expect(smtp.attempts).toBe(0);

    const workers = await startWorkers(deps);
    try {
      expect(queuesWorkedOn()).toEqual(JOB_QUEUES.map((queue) => queue.name).sort());
      await eventually("every forgot-password request done", async () => (await countWaitingForgotPasswordRequests(deps.db)) === 0);
      await eventually("every email settled", async () => (await deps.db.select().from(emails).where(inArray(emails.status, ["queued", "retrying"]))).length === 0);
      // Each account asked for got its link (a repeated request supersedes, so its first email may be dropped).
      for (const user of targets) expect(smtp.messages.some((m) => m.to.includes(user.email.toLowerCase())), user.email).toBe(true);
      expect(smtp.messages.some((m) => m.to.includes("direct@example.test"))).toBe(true);
      expect(smtp.messages.some((m) => m.to.includes("nobody@example.test"))).toBe(false);
    } finally {
      await workers.stop();
    }
  });

  it("stop() finishes the emails in hand before it resolves, and leaves no worker taking jobs", async () => {
    const workers = await startWorkers(deps);
    expect(queuesWorkedOn()).toEqual(JOB_QUEUES.map((queue) => queue.name).sort());
    smtp.setMode("slow", { slowMs: 1_500 });
    const ids = await Promise.all([1, 2, 3].map((i) => enqueueTestEmail(deps, { to: `in-hand-${i}@example.test` })));
    await eventually("the worker holds the emails at the SMTP server", async () => smtp.attempts >= ids.length, 10_000, 20);
    await workers.stop();
    expect(queuesWorkedOn()).toEqual([]);
    for (const id of ids) expect(await emailStatus(id)).toBe("sent");

    // Stopped means stopped: a job written now waits for the next start.
    smtp.setMode("accept");
    const later = await enqueueTestEmail(deps, { to: "after-stop@example.test" });
    await sleep(2_000);
    expect(await emailStatus(later)).toBe("queued");
    // stop() may be called again (SIGTERM then SIGINT) and resolves at once.
    await workers.stop();
  });
});
