import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emails } from "../../src/db/schema.ts";
import type { SeedUser } from "../support/factories.ts";
import { eventually, startService, type ServiceClient, type ServiceProcess } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import {
  deliveriesById,
  emailStatusInHistory,
  freshPostgresDatabase,
  median,
  NEEDS_POSTGRES,
  postgresServerUrl,
  seedCompany,
  signInTo,
  triggerReset,
  type FaultDatabase,
} from "./support/fixture.ts";

/** The outbox row of the reset email that a trigger wrote. */
async function emailOfReset(db: FaultDatabase["db"], resetId: string) {
  const [row] = await db.select().from(emails).where(eq(emails.linkTokenId, resetId));
  if (!row) throw new Error(`no email for reset ${resetId}`);
  return row;
}

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "SMTP faults, with the service as a process" : `SMTP faults — ${NEEDS_POSTGRES}`, () => {
  let database: FaultDatabase;
  let smtp: TestSmtpServer;
  let service: ServiceProcess;
  let admin: ServiceClient;
  let pool: SeedUser[];
  const nextUser = () => {
    const user = pool.shift();
    if (!user) throw new Error("the test ran out of seeded users");
    return user;
  };

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    smtp = await startSmtpServer();
    const seeded = await seedCompany(database.deps, 24);
    pool = seeded.users;
    service = await startService({ env: { DATABASE_URL: database.url, SMTP_URL: smtp.url } });
    admin = await signInTo(service, seeded.admin.email);
  });
  afterAll(async () => {
    await service?.kill();
    await smtp?.stop();
    await database?.close();
  });

  it("answers normally while SMTP refuses connections, shows the admin 'retrying', then delivers every queued email once and shows 'sent'", async () => {
    const normal: number[] = [];
    for (let i = 0; i < 5; i++) normal.push((await triggerReset(admin, nextUser().id)).ms);

    await smtp.refuseConnections();
    const during: number[] = [];
    const resets: Array<{ user: SeedUser; resetId: string }> = [];
    for (let i = 0; i < 5; i++) {
      const user = nextUser();
      const reply = await triggerReset(admin, user.id);
      during.push(reply.ms);
      resets.push({ user, resetId: reply.body.reset.id });
    }
    const forgotten = nextUser();
    const forgot = await service.client().post("/api/v1/auth/forgot-password", { email: forgotten.email });
    expect(forgot.status).toBe(202);
    const invite = await admin.post("/api/v1/users", { name: "Invited During Outage", email: "invited.outage@example.test", role: "user" });
    expect(invite.status).toBe(201);
    expect((await admin.get("/api/v1/users")).status).toBe(200);

    const [first] = resets;
    if (!first) throw new Error("no reset");
    await eventually("the history shows the email as retrying", async () => (await emailStatusInHistory(admin, first.user.id, first.resetId)) === "retrying");
    // Every email of the outage exists in the outbox (the forgot-password one is written by its job).
    const outageEmails = await eventually("seven outage emails in the outbox, all tried at least once", async () => {
      const rows = await database.db.select().from(emails).where(inArray(emails.toAddress, [...resets.map((r) => r.user.email), forgotten.email, "invited.outage@example.test"]));
      return rows.length === 7 && rows.every((row) => row.attempts >= 1) && rows;
    });
    expect(outageEmails.every((row) => row.status === "retrying")).toBe(true);
    const delivered = new Set(smtp.messages.map((m) => m.to[0]));
    expect(outageEmails.filter((row) => delivered.has(row.toAddress.toLowerCase()))).toEqual([]);
    // Same speed within noise: the outage never reaches a request.
    // Generous for a busy 2-core machine; a request that waited on SMTP would not even finish.
    expect(median(during) / median(normal), `median ${median(during).toFixed(1)} ms during the outage vs ${median(normal).toFixed(1)} ms`).toBeLessThan(5);

    console.info(`trigger latency: median ${median(normal).toFixed(1)} ms with SMTP up, ${median(during).toFixed(1)} ms while it refused connections`);
    await smtp.restart();
    await eventually(
      "every outage email sent",
      async () => {
        const rows = await database.db.select().from(emails).where(inArray(emails.id, outageEmails.map((row) => row.id)));
        return rows.every((row) => row.status === "sent");
      },
      45_000,
    );
    const counts = deliveriesById(smtp);
    expect(outageEmails.map((row) => counts.get(row.id))).toEqual(outageEmails.map(() => 1));
    expect(await emailStatusInHistory(admin, first.user.id, first.resetId)).toBe("sent");
  });

  it("keeps API latency unaffected while SMTP takes 5 s per message: each answer comes before its email is delivered", async () => {
    // `slowSmtp`: with SMTP at full speed an email may legitimately be delivered in the
    // milliseconds between the answer and reading its row, so only the slow run can tell.
    const measure = async (slowSmtp: boolean) => {
      const samples: number[] = [];
      const emailIds: string[] = [];
      for (let i = 0; i < 6; i++) {
        const reply = await triggerReset(admin, nextUser().id);
        samples.push(reply.ms);
        const email = await emailOfReset(database.db, reply.body.reset.id);
        emailIds.push(email.id);
        // Read as soon as the answer is in: a request that waited on SMTP would find its email delivered.
        if (slowSmtp && smtp.messages.some((m) => m.headers.get("x-latchkey-email-id") === email.id)) throw new Error("the email was delivered before the request answered");
      }
      return { samples, emailIds };
    };
    const settle = (ids: string[]) =>
      eventually(
        "the emails sent",
        async () => (await database.db.select().from(emails).where(inArray(emails.id, ids))).every((row) => row.status === "sent"),
        60_000,
      );

    smtp.setMode("accept");
    const normal = await measure(false);
    await settle(normal.emailIds);

    smtp.setMode("slow", { slowMs: 5_000 });
    const slow = await measure(true);
    // The worker is still holding messages at the SMTP server: the requests did not wait for it.
    const receivedDuringSlow = slow.emailIds.filter((id) => deliveriesById(smtp).has(id)).length;
    expect(receivedDuringSlow).toBeLessThan(slow.emailIds.length);
    const ratio = median(slow.samples) / median(normal.samples);
    // A request that waited for its message would take 5 s, a ratio in the hundreds.
    expect(ratio, `median ${median(slow.samples).toFixed(1)} ms with slow SMTP vs ${median(normal.samples).toFixed(1)} ms`).toBeLessThan(5);

    console.info(`trigger latency: median ${median(normal.samples).toFixed(1)} ms with SMTP at full speed, ${median(slow.samples).toFixed(1)} ms at 5 s per message; ${receivedDuringSlow} of ${slow.emailIds.length} emails received when the last answer came`);
    smtp.setMode("accept");
    await settle(slow.emailIds);
    const counts = deliveriesById(smtp);
    expect(slow.emailIds.map((id) => counts.get(id))).toEqual(slow.emailIds.map(() => 1));
  });
});
