import { eq, inArray, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emails, forgotPasswordRequests, linkTokens, rateLimits } from "../../src/db/schema.ts";
import { RESET_LIMITS, resetRateKeys } from "../../src/features/auth/password-reset/reset-limits.ts";
import type { SeedUser } from "../support/factories.ts";
import { eventually, startService, type ServiceClient, type ServiceProcess } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import {
  deliveriesById,
  freshPostgresDatabase,
  NEEDS_POSTGRES,
  postgresServerUrl,
  resetTokenIn,
  seedCompany,
  signInTo,
  triggerReset,
  type FaultDatabase,
} from "./support/fixture.ts";

const NEW_PASSWORD = "set on the other instance 4471";

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "two instances on one PostgreSQL" : `two instances on one PostgreSQL — ${NEEDS_POSTGRES}`, () => {
  let database: FaultDatabase;
  let smtp: TestSmtpServer;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let admin: SeedUser;
  let pool: SeedUser[];
  const take = () => {
    const user = pool.shift();
    if (!user) throw new Error("the test ran out of seeded users");
    return user;
  };

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    smtp = await startSmtpServer();
    const seeded = await seedCompany(database.deps, 30);
    admin = seeded.admin;
    pool = seeded.users;
    // TRUST_PROXY: a test may name its client's address (X-Forwarded-For), as a proxy in front of both would.
    const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, TRUST_PROXY: "1" };
    [a, b] = await Promise.all([startService({ env }), startService({ env })]);
  });
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await smtp?.stop();
    await database?.close();
  });

  it("honours a session made on one instance on the other, and a sign-out on one ends it on both", async () => {
    const onA = await signInTo(a, admin.email);
    const onB = onA.on(b);
    expect((await onB.get("/api/v1/auth/me")).body.user.email).toBe(admin.email);
    expect((await onB.get("/api/v1/users")).status).toBe(200);
    // A CSRF token handed out by A is good on B: no per-instance secret.
    expect((await onB.patch("/api/v1/account", { name: "Renamed On B" })).status).toBe(200);
    expect((await onA.get("/api/v1/auth/me")).body.user.name).toBe("Renamed On B");

    const stolenCopy = onA.jar.header();
    expect((await onB.post("/api/v1/auth/logout")).status).toBe(200);
    const replay = (service: ServiceProcess) => service.client().get("/api/v1/auth/me", { cookie: stolenCopy });
    expect((await replay(a)).status).toBe(401);
    expect((await replay(b)).status).toBe(401);
  });

  it("consumes a link issued by one instance on the other, once, and the reset ends the user's sessions on both", async () => {
    const adminOnA = await signInTo(a, admin.email);
    const user = take();
    const userOnA = await signInTo(a, user.email);
    const userOnB = await signInTo(b, user.email);
    await triggerReset(adminOnA, user.id);
    const token = resetTokenIn(await smtp.waitFor({ to: user.email, subject: /reset/i }, 20_000));
    const submit = (service: ServiceProcess) =>
      service.client().post("/api/v1/links/set-password", { token, password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD });

    expect((await b.client().post("/api/v1/links/inspect", { token })).body.valid).toBe(true);
    expect((await submit(b)).status).toBe(200);
    const second = await submit(a);
    expect(second.status).toBe(410);
    expect(second.body.error.code).toBe("LINK_USED");
    expect((await userOnA.get("/api/v1/auth/me")).status).toBe(401);
    expect((await userOnB.get("/api/v1/auth/me")).status).toBe(401);
    expect((await a.client().post("/api/v1/auth/login", { email: user.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it("shares the login rate limit: failures alternate between the instances and the eleventh is refused on either", async () => {
    const user = take();
    const attempt = (service: ServiceProcess) => service.client().post("/api/v1/auth/login", { email: user.email, password: "not the password at all" });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt(i % 2 ? b : a)).status);
    expect(statuses).toEqual(Array.from({ length: 10 }, () => 401));
    // Ten failures, five on each: an instance counting alone would still allow five more.
    expect((await attempt(a)).status).toBe(429);
    expect((await attempt(b)).status).toBe(429);
  });

  it("shares the per-target limit on admin-triggered resets across instances", async () => {
    const user = take();
    const onA = await signInTo(a, admin.email);
    const onB = onA.on(b);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? onB : onA).post(`/api/v1/users/${user.id}/password-reset`)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it("shares the forgot-password limits across instances: per address and per client, counted by whichever worker takes the request", async () => {
    const user = take();
    const { forgotPerAccount, forgotPerClient } = RESET_LIMITS;
    // One address, from a new client each time, alternating instances: only the first five get a link.
    for (let i = 0; i < forgotPerAccount.limit + 2; i++) {
      const client = (i % 2 ? b : a).client({ clientAddress: `198.51.100.${10 + i}` });
      expect((await client.post("/api/v1/auth/forgot-password", { email: user.email })).status).toBe(202);
    }
    // One client, a new unknown address each time, alternating instances: only its first 30 addresses are counted.
    const clientAddress = "198.51.100.200";
    const typed = forgotPerClient.limit + 4;
    for (let i = 0; i < typed; i++) {
      const client = (i % 2 ? b : a).client({ clientAddress });
      expect((await client.post("/api/v1/auth/forgot-password", { email: `nobody-${i}@shared-limits.example` })).status).toBe(202);
    }
    await eventually("every forgot-password request processed", async () => (await database.db.$count(forgotPasswordRequests)) === 0, 20_000);
    expect(await database.db.$count(linkTokens, eq(linkTokens.userId, user.id))).toBe(forgotPerAccount.limit);
    const [clientRow] = await database.db.select().from(rateLimits).where(eq(rateLimits.key, resetRateKeys.forgotClient(clientAddress)));
    expect(clientRow?.count).toBe(typed);
    expect(await database.db.$count(rateLimits, like(rateLimits.key, "reset:forgot:account:nobody-%@shared-limits.example"))).toBe(forgotPerClient.limit);
  });

  it("sends each email once although both instances run a worker", async () => {
    const burst: SeedUser[] = Array.from({ length: 16 }, take);
    const anonymousA = a.client();
    const anonymousB = b.client();
    const adminA = await signInTo(a, admin.email);
    const adminB = adminA.on(b);
    // Half through "forgot password" (the job's worker), half triggered by the administrator, on both instances at once.
    await Promise.all(
      burst.map((user, i) =>
        i < 8
          ? (i % 2 ? anonymousB : anonymousA).post("/api/v1/auth/forgot-password", { email: user.email })
          : triggerReset(i % 2 ? adminB : adminA, user.id),
      ),
    );
    const rows = await eventually(
      "an email for every user of the burst, all sent",
      async () => {
        const found = await database.db.select().from(emails).where(inArray(emails.toAddress, burst.map((u) => u.email)));
        return found.length === burst.length && found.every((r) => r.status === "sent") && found;
      },
      45_000,
    );
    const counts = deliveriesById(smtp);
    expect(rows.map((r) => counts.get(r.id))).toEqual(rows.map(() => 1));
    // Nothing delivered that the outbox does not hold, and nothing twice, over the whole file.
    const all = await database.db.select({ id: emails.id }).from(emails);
    const known = new Set(all.map((r) => r.id));
    expect([...counts].filter(([id, n]) => !known.has(id) || n !== 1)).toEqual([]);
  });
});
