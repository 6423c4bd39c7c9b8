import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../src/app.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import { loadConfig } from "../../src/config.ts";
import { buildDeps, closeDeps, type Deps } from "../../src/deps.ts";
import { startWorkers } from "../../src/workers.ts";
import { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, FACTORY_PASSWORD, signIn, type UsersByRole } from "../support/factories.ts";
import { NEW_PASSWORD, submitNewPassword } from "../support/password-reset.ts";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp-server.ts";
import { TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";
import { testDatabaseKind } from "../support/test-database.ts";

const run = promisify(execFile);
const LATCHKEY = join(import.meta.dirname, "../../bin/latchkey.js");
const onPostgres = testDatabaseKind === "postgres";

async function cli(env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A server on a PGlite data folder, as `latchkey` runs one; workers only when asked. */
async function startInstance(env: Record<string, string>, options: { workers: boolean }) {
  const deps: Deps = await buildDeps(loadConfig(env), { logger: pino({ level: "silent" }) });
  const workers = options.workers ? await startWorkers(deps, { skip: ["housekeeping"] }) : null;
  const app: App = await buildApp(deps);
  await app.ready();
  return {
    deps,
    app,
    async close() {
      await app.close();
      await workers?.stop();
      await closeDeps(deps);
    },
  };
}

describe.skipIf(onPostgres)(
  onPostgres ? "backup and restore of the embedded database — skipped: on PostgreSQL use pg_dump (runs in the pglite project)" : "backup and restore of the embedded database",
  () => {
    let smtp: TestSmtpServer;
    let folder: string;
    beforeAll(async () => {
      smtp = await startSmtpServer();
      folder = mkdtempSync(join(tmpdir(), "latchkey-backup-"));
    });
    afterAll(async () => {
      await smtp?.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    const envFor = (dataDir: string) => ({ NODE_ENV: "test", PUBLIC_URL: TEST_PUBLIC_URL, LOG_LEVEL: "silent", GLOBAL_RATE_LIMIT_PER_MINUTE: "0", DATA_DIR: dataDir, SMTP_URL: smtp.url });

    it("restores users, a pending link and a queued email into a fresh folder, where sign-in, the link and the email work", async () => {
      const original = envFor(join(folder, "original"));
      const file = join(folder, "latchkey.backup.tar.gz");

      // An instance whose email worker is not running: the reset email stays queued, its link pending.
      const first = await startInstance(original, { workers: false });
      let users: UsersByRole;
      try {
        ({ users } = await createCompanyWithUsers(first.deps, { name: "Backed Up Co" }));
        const admin = await signIn({ app: first.app, client: (address?: string) => new TestClient(first.app, address) } as unknown as TestApp, users.administrator);
        expect((await admin.post(`/api/v1/users/${users.user.id}/password-reset`)).status).toBe(202);

        // While the server holds the folder, the backup — another process, as from a terminal — refuses, naming why, and writes nothing.
        const refused = await run(process.execPath, [LATCHKEY, "backup", "--to", file], { env: { PATH: process.env.PATH, ...original } }).then(
          () => ({ code: 0, err: "" }),
          (error: { code: number; stderr: string }) => ({ code: error.code, err: error.stderr }),
        );
        expect(refused.code).toBe(1);
        expect(refused.err).toMatch(/in use by another Latchkey process|cannot open a PGlite data folder while the server uses it/);
        expect(() => statSync(file)).toThrow();
      } finally {
        await first.close();
      }

      const backup = await cli(original, "backup", "--to", file);
      expect(backup.err).toBe("");
      expect(backup.code).toBe(0);
      expect(statSync(file).mode & 0o077).toBe(0);
      // Never over an existing backup.
      expect((await cli(original, "backup", "--to", file)).code).toBe(1);

      const restored = envFor(join(folder, "restored"));
      const restore = await cli(restored, "restore", "--from", file);
      expect(restore.err).toBe("");
      expect(restore.code).toBe(0);
      expect(restore.out).toMatch(/4 users, 1 emails waiting/);
      // Never over an existing database.
      const again = await cli(restored, "restore", "--from", file);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/already holds a database/);

      const second = await startInstance(restored, { workers: true });
      try {
        // The queued email leaves from the restored instance, and its link works there.
        const message = await smtp.waitFor({ to: users.user.email, subject: "reset" }, 15_000);
        const link = smtp.linksIn(message).find((url) => url.includes("/reset-password"));
        const token = new URL(link ?? "https://x/").hash.replace(/^#token=/, "");
        const anonymous = new TestClient(second.app);
        expect((await submitNewPassword(anonymous, token)).status).toBe(200);
        expect((await anonymous.post("/api/v1/auth/login", { email: users.user.email, password: NEW_PASSWORD })).status).toBe(200);
        // Everyone else signs in with the password they had.
        expect((await new TestClient(second.app).post("/api/v1/auth/login", { email: users.administrator.email, password: FACTORY_PASSWORD })).status).toBe(200);
      } finally {
        await second.close();
      }
    }, 120_000);

    it("refuses on PostgreSQL and for a file that is not a backup, leaving no half-restored folder", async () => {
      const pg = await cli({ ...envFor(join(folder, "x")), DATABASE_URL: "postgres://latchkey@db.example/latchkey" }, "backup", "--to", join(folder, "pg.tar.gz"));
      expect(pg.code).toBe(1);
      expect(pg.err).toMatch(/pg_dump/);
      const target = join(folder, "from-garbage");
      const garbage = await cli(envFor(target), "restore", "--from", join(import.meta.dirname, "backup-restore.test.ts"));
      expect(garbage.code).toBe(1);
      expect(garbage.err).toMatch(/not a Latchkey backup/);
      expect(() => statSync(join(target, "pgdata"))).toThrow();
      expect((await cli(envFor(target), "backup")).err).toMatch(/--to is required/);
    });
  },
);
