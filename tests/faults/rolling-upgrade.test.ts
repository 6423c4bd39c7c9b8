import { execFileSync, execSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { migrateDatabase } from "../../src/db/client.ts";
import type { SeedUser } from "../support/factories.ts";
import { ROOT, sleep, startService, type ServiceClient, type ServiceProcess } from "../support/process.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { NEEDS_POSTGRES, postgresServerUrl, resetTokenIn, seedCompany, signInTo, triggerReset } from "./support/fixture.ts";

/**
 * Decision 0042, proved: two instances of the previous release migrate an empty database, the new
 * release's migrations run beside them (`latchkey migrate`), and the instances are replaced one at
 * a time by the new release while clients keep signing in, using their sessions and asking for
 * resets. The previous release is LATCHKEY_PREVIOUS_RELEASE (a commit or tag; CI names the last
 * release), by default where this branch left main, or the commit before HEAD on main itself.
 */
function previousRelease(): string {
  const named = process.env.LATCHKEY_PREVIOUS_RELEASE;
  if (named) return named;
  const git = (...args: string[]) => execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8" }).trim();
  const head = git("rev-parse", "HEAD");
  let base = "";
  try {
    base = git("merge-base", "HEAD", "main");
  } catch {
    // no main branch here (a detached CI checkout): the commit before
  }
  return base && base !== head ? base : git("rev-parse", "HEAD~1");
}

describe.skipIf(!postgresServerUrl)(postgresServerUrl ? "a rolling upgrade on PostgreSQL" : `a rolling upgrade on PostgreSQL — ${NEEDS_POSTGRES}`, () => {
  let previous: string;
  let oldRoot: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let smtp: TestSmtpServer;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    previous = previousRelease();
    // The previous release's files, as its package would ship them, on this checkout's dependencies.
    oldRoot = mkdtempSync(join(tmpdir(), "latchkey-previous-"));
    execSync(`git -C ${JSON.stringify(ROOT)} archive ${previous} src package.json | tar -x -C ${JSON.stringify(oldRoot)}`);
    symlinkSync(join(ROOT, "node_modules"), join(oldRoot, "node_modules"));
    database = await createTestDatabase();
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.kill()));
    await smtp?.stop();
    await database?.database.close();
    await database?.drop();
    if (oldRoot) rmSync(oldRoot, { recursive: true, force: true });
  });

  it("replaces two instances of the previous release one at a time under traffic, losing no request, session, link or email", async () => {
    if (!database.url) throw new Error("TEST_DATABASE_URL is not set");
    const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, TRUST_PROXY: "1" };
    const start = async (root?: string) => {
      const service = await startService({ env, ...(root ? { root } : {}) });
      services.push(service);
      return service;
    };
    // The previous release creates the schema it knows.
    const [oldA, oldB] = await Promise.all([start(oldRoot), start(oldRoot)]);
    if (!oldA || !oldB) throw new Error("the previous release did not start");
    // `latchkey migrate` of the new release, while the old instances serve.
    await migrateDatabase(database.database);
    const { admin, users } = await seedCompany({ db: database.database.db, clock: systemClock }, 12);

    // The load balancer: round-robin over the instances it has been told are in service.
    const inService: ServiceProcess[] = [oldA, oldB];
    let turn = 0;
    const pick = () => inService[turn++ % inService.length] as ServiceProcess;
    const failures: string[] = [];
    const answered = { me: 0, signIn: 0, reset: 0 };
    let running = true;

    // Sessions opened on the previous release, used throughout on whichever instance answers.
    const sessions: Array<{ user: SeedUser; client: ServiceClient }> = [];
    for (const user of users.slice(0, 4)) sessions.push({ user, client: await signInTo(pick(), user.email) });
    const adminSession = await signInTo(pick(), admin.email);
    const resetTargets = users.slice(4);
    const resetsAsked: string[] = [];

    const loops = [
      (async () => {
        while (running) {
          for (const { user, client } of sessions) {
            const reply = await client.on(pick()).get<{ user: { email: string } }>("/api/v1/auth/me");
            if (reply.status !== 200 || reply.body.user.email !== user.email) failures.push(`me: ${reply.status}`);
            else answered.me++;
          }
          await sleep(20);
        }
      })(),
      (async () => {
        let i = 0;
        while (running) {
          const user = users[i++ % users.length] as SeedUser;
          try {
            await signInTo(pick(), user.email);
            answered.signIn++;
          } catch (error) {
            failures.push(`sign-in: ${String(error)}`);
          }
          await sleep(50);
        }
      })(),
      (async () => {
        while (running && resetTargets.length > 0) {
          const target = resetTargets.shift() as SeedUser;
          try {
            await triggerReset(adminSession.on(pick()), target.id);
            resetsAsked.push(target.email);
            answered.reset++;
          } catch (error) {
            failures.push(`reset: ${String(error)}`);
          }
          await sleep(400);
        }
      })(),
    ];

    await sleep(1_500);
    // One at a time: the new instance is in service once ready; the old one leaves the pool, then gets SIGTERM.
    for (const old of [oldA, oldB]) {
      const fresh = await start();
      inService.push(fresh);
      inService.splice(inService.indexOf(old), 1);
      await sleep(300);
      const exit = await old.terminate();
      expect(exit.code, old.output().slice(-2000)).toBe(0);
      await sleep(1_500);
    }
    running = false;
    await Promise.all(loops);

    expect(failures).toEqual([]);
    expect(answered.me).toBeGreaterThan(20);
    expect(answered.signIn).toBeGreaterThan(10);
    expect(resetsAsked.length).toBeGreaterThanOrEqual(4);
    // Every reset email arrives once — whichever release wrote it and whichever delivered it — and its link works on the new release.
    const newInstance = inService[0] as ServiceProcess;
    for (const email of resetsAsked) {
      const message = await smtp.waitFor({ to: email, subject: /reset/i }, 20_000);
      expect(smtp.messages.filter((m) => m.to.includes(email.toLowerCase())).length).toBe(1);
      const token = resetTokenIn(message);
      expect(token).toBeTruthy();
      const set = await newInstance.client().post("/api/v1/links/set-password", { token, password: "chosen after the upgrade 8812", passwordConfirmation: "chosen after the upgrade 8812" });
      expect(set.status).toBe(200);
    }
    // The sessions opened on the previous release still work on the new one.
    for (const { client } of sessions) expect((await client.on(newInstance).get("/api/v1/auth/me")).status).toBe(200);
  }, 240_000);
});
