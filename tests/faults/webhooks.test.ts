import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { eventually, startService, type ServiceClient, type ServiceProcess } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { freshPostgresDatabase, NEEDS_POSTGRES, postgresServerUrl, seedCompany, signInTo, type FaultDatabase } from "./support/fixture.ts";

const EVENTS = 8;

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "webhooks: receiver down, service killed" : `webhooks: receiver down, service killed — ${NEEDS_POSTGRES}`, () => {
  let database: FaultDatabase;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let receiver: WebhookReceiver;
  let admin: ServiceClient;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    smtp = await startSmtpServer();
    const seeded = await seedCompany(database.deps);
    service = await startService({
      env: {
        DATABASE_URL: database.url,
        SMTP_URL: smtp.url,
        WEBHOOK_ALLOW_LOOPBACK: "on",
        WEBHOOK_POLL_INTERVAL: "100ms",
        WEBHOOK_TIMEOUT: "2s",
        WEBHOOK_CONNECT_TIMEOUT: "1s",
        // A day's schedule squeezed into seconds: the outage below outlasts the first retries.
        WEBHOOK_RETRY_SCHEDULE: "500ms,1s,1s,2s,2s,3s,3s,5s,5s,5s,5s,5s",
      },
    });
    admin = await signInTo(service, seeded.admin.email);
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await service?.kill();
    await receiver?.close();
    await smtp?.stop();
    await database?.close();
  });

  it("every event queued while the receiver was down arrives after a SIGKILL and restart; the receiver dedupes by webhook-id", async () => {
    const created = await admin.post("/api/v1/webhook-endpoints", { url: receiver.url, events: ["user.created", "user.updated"] });
    expect(created.status).toBe(201);
    receiver.secrets = [created.body.secret as string];
    const port = receiver.port;

    // The receiver goes down; the actions go on, and their events queue up and fail their first attempts.
    await receiver.close();
    const userIds: string[] = [];
    for (let i = 0; i < EVENTS / 2; i++) {
      const reply = await admin.post("/api/v1/users", { name: `Fault Hook ${i}`, email: `fault.hook.${i}@faults.test`, role: "user" });
      expect(reply.status).toBe(201);
      userIds.push(reply.body.user.id as string);
      expect((await admin.patch(`/api/v1/users/${reply.body.user.id}`, { name: `Fault Hook ${i} renamed` })).status).toBe(200);
    }
    // Each user's creation is tried (and fails); its rename waits behind it, in order.
    await eventually("each subject's first delivery tried at least twice while the receiver is down", async () => {
      const [row] = await queryRows<{ tried: number; total: number }>(database.db, sql`
        select count(*) filter (where attempts >= 2)::int as tried, count(*)::int as total from webhook_deliveries`);
      return row && row.total === EVENTS && row.tried === EVENTS / 2;
    });

    const exit = await service.kill();
    expect(exit.signal).toBe("SIGKILL");
    receiver = await startWebhookReceiver({ port });
    receiver.secrets = [created.body.secret as string];
    await service.start();

    const events = await queryRows<{ id: string }>(database.db, sql`select id from webhook_events`);
    expect(events).toHaveLength(EVENTS);
    await eventually("every event received, verified", async () => receiver.uniqueVerified().length === EVENTS, 30_000);
    expect(new Set(receiver.uniqueVerified().map((r) => r.id))).toEqual(new Set(events.map((e) => e.id)));
    // At least once: a repeat is possible, and the receiver's dedupe by id leaves exactly one of each.
    expect(receiver.received.length).toBeGreaterThanOrEqual(EVENTS);
    // Per subject, creation before the rename.
    for (const userId of userIds) {
      expect(receiver.uniqueVerified().filter((r) => r.payload.subject.id === userId).map((r) => r.type)).toEqual(["user.created", "user.updated"]);
    }
    // The receiver answers before the service records the success: every delivery is marked succeeded soon after.
    await eventually("every delivery recorded as succeeded", async () => {
      const [settled] = await queryRows<{ pending: number }>(database.db, sql`select count(*) filter (where status <> 'succeeded')::int as pending from webhook_deliveries`);
      return settled?.pending === 0;
    }, 10_000);
  });
});
