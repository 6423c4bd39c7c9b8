import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { forgetSmtpAttempts } from "../../src/email/smtp-health.ts";
import { enqueueTestEmail, waitForEmailStatus } from "../support/outbox.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

describe("health: /readyz for a load balancer, /health for a monitor", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOX_DEGRADED_AFTER: "1m", SMTP_DEGRADED_AFTER: "300ms" } });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    forgetSmtpAttempts();
    t.smtp.setMode("accept");
  });

  it("is ready and reports the checks it ran, with no secret in them", async () => {
    const reply = await t.client().get("/readyz");
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe("ready");
    expect(reply.body.checks.database.status).toBe("ok");
    expect(reply.body.checks.migrations).toMatchObject({ status: "ok", pending: 0 });
    expect(reply.body.checks.migrations.applied).toBe(reply.body.checks.migrations.known);
    const health = await t.client().get("/health");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("ok");
    expect(Object.keys(health.body.checks).sort()).toEqual(["database", "migrations", "outbox", "smtp"]);
    const text = JSON.stringify([reply.body, health.body]);
    expect(text).not.toMatch(/postgres:|127\.0\.0\.1|smtp:\/\/|password/i);
  });

  it("is not ready while a migration this code needs is missing, and ready again once it is applied", async () => {
    // What an old backup restored, or a migration that failed half-way, leaves behind.
    const [last] = await queryRows<{ id: number; hash: string; created_at: string }>(t.deps.db, sql`select id, hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`);
    if (!last) throw new Error("no migrations recorded");
    await t.deps.db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${last.id}`);
    try {
      const reply = await t.client().get("/readyz");
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ status: "unavailable", checks: { database: { status: "ok" }, migrations: { status: "failed", pending: 1 } } });
      const health = await t.client().get("/health");
      expect(health.status).toBe(503);
      expect(health.body.status).toBe("unavailable");
    } finally {
      await t.deps.db.execute(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${last.id}, ${last.hash}, ${last.created_at})`);
    }
    expect((await t.client().get("/readyz")).status).toBe(200);
  });

  it("shows a slow SMTP server as degraded on /health, and stays ready for the load balancer", async () => {
    t.smtp.setMode("slow", { slowMs: 800 });
    const ids = [await enqueueTestEmail(t.deps, { to: "slow1@health.test" }), await enqueueTestEmail(t.deps, { to: "slow2@health.test" })];
    for (const id of ids) await waitForEmailStatus(t.deps, id, "sent");
    const health = await t.client().get("/health");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("degraded");
    expect(health.body.checks.smtp).toMatchObject({ status: "degraded", recentAttempts: 2 });
    expect(health.body.checks.smtp.slowestMs).toBeGreaterThanOrEqual(800);
    expect((await t.client().get("/readyz")).status).toBe(200);
  });

  it("shows an outbox whose oldest email waits too long as degraded, and stays ready", async () => {
    const stuck = await enqueueTestEmail(t.deps, { to: "stuck@health.test" });
    await waitForEmailStatus(t.deps, stuck, "sent");
    // An email waiting ten minutes: what an SMTP outage leaves in the outbox.
    await t.deps.db.execute(sql`insert into emails (kind, to_address, subject, text, html, status, created_at) values ('test', 'late@health.test', 's', 't', 'h', 'retrying', now() - interval '10 minutes')`);
    try {
      const health = await t.client().get("/health");
      expect(health.status).toBe(200);
      expect(health.body.status).toBe("degraded");
      expect(health.body.checks.outbox.status).toBe("degraded");
      expect(health.body.checks.outbox.oldestQueuedSeconds).toBeGreaterThanOrEqual(600);
      expect((await t.client().get("/readyz")).status).toBe(200);
    } finally {
      await t.deps.db.execute(sql`delete from emails where to_address = 'late@health.test'`);
    }
  });

  it("is not ready, within its time limit, while the database hangs or refuses", async () => {
    const ping = t.deps.database.ping;
    try {
      for (const broken of [() => new Promise<void>(() => {}), () => Promise.reject(new Error("connect ECONNREFUSED 10.1.2.3:5432 password=secret"))]) {
        t.deps.database.ping = broken;
        const started = performance.now();
        const reply = await t.client().get("/readyz");
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ status: "unavailable", checks: { database: { status: "failed" } } });
        expect(JSON.stringify(reply.body)).not.toMatch(/ECONNREFUSED|10\.1\.2\.3|secret/);
        expect(performance.now() - started).toBeLessThan(4_000);
        expect((await t.client().get("/healthz")).status).toBe(200);
      }
    } finally {
      t.deps.database.ping = ping;
    }
  });
});
