import pino from "pino";
import { buildApp, type App } from "../../src/app.ts";
import { fixedClock } from "../../src/clock.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { buildDeps, closeDeps, type Deps } from "../../src/deps.ts";
import { startWorkers, type BackgroundWorker } from "../../src/workers.ts";
import type { WebhookResolver } from "../../src/features/webhooks/resolver.ts";
import { TestClient } from "./client.ts";
import { startSmtpServer, type TestSmtpServer } from "./smtp-server.ts";
import { createTestDatabase } from "./test-database.ts";

export const TEST_PUBLIC_URL = "https://latchkey.test";

export interface TestApp {
  app: App;
  deps: Deps;
  config: Config;
  clock: ReturnType<typeof fixedClock>;
  /** The in-process SMTP server every email goes to. Throws when started with `{ smtp: false }`. */
  readonly smtp: TestSmtpServer;
  client(clientAddress?: string): TestClient;
  /** Starts (another) email worker on this app's database, stopped again by `close`. */
  startWorker(): Promise<BackgroundWorker>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /**
   * Start the email worker (on by default). The other queues' workers start either way, as in the
   * server (src/jobs/workers.ts); the housekeeping timer never does (its test starts its own).
   */
  worker?: boolean;
  /** Deliver through an in-process SMTP server (on by default); `false` keeps the development mailbox. */
  smtp?: boolean;
  /** Host names → addresses for webhook endpoints (default: the system's resolver). */
  webhookResolver?: WebhookResolver;
}

/** The real app on a fresh database with a clock the test controls, delivering email over real SMTP. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const smtp = options.smtp === false ? null : await startSmtpServer();
  const config = loadConfig({
    NODE_ENV: "test",
    PUBLIC_URL: TEST_PUBLIC_URL,
    LOG_LEVEL: "silent",
    GLOBAL_RATE_LIMIT_PER_MINUTE: "0",
    // Retries a second apart keep the outage tests short.
    EMAIL_RETRY_DELAY: "1s",
    // Webhook receivers in tests listen on 127.0.0.1 (tests/support/webhook-receiver.ts).
    WEBHOOK_ALLOW_LOOPBACK: "on",
    WEBHOOK_POLL_INTERVAL: "250ms",
    // The safety net runs when a test calls it (webhooks-delivery.test.ts), never in the middle of a test's wait.
    WEBHOOK_SWEEP_INTERVAL: "24h",
    ...(smtp ? { SMTP_URL: smtp.url } : {}),
    ...options.env,
  });
  const testDb = await createTestDatabase();
  const clock = fixedClock(new Date());
  const deps = await buildDeps(config, {
    database: testDb.database,
    clock,
    logger: pino({ level: "silent" }),
    ...(options.webhookResolver ? { webhookResolver: options.webhookResolver } : {}),
  });
  // The server's own entry point: a queue added to src/jobs/workers.ts runs in the tests too.
  const workers = [await startWorkers(deps, { skip: options.worker === false ? ["email-delivery", "housekeeping"] : ["housekeeping"] })];
  const startWorker = async () => {
    const worker = await startWorkers(deps, { only: ["email-delivery"] });
    workers.push(worker);
    return worker;
  };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    config,
    clock,
    get smtp() {
      if (!smtp) throw new Error("this test app was started with { smtp: false }: read the development mailbox instead");
      return smtp;
    },
    client: (clientAddress) => new TestClient(app, clientAddress),
    startWorker,
    async close() {
      await app.close();
      await Promise.all(workers.map((worker) => worker.stop()));
      await closeDeps(deps);
      await smtp?.stop();
      await testDb.drop();
    },
  };
}
