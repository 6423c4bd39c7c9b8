import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startSmtpServer, type TestSmtpServer } from "../../support/smtp-server.ts";

export type DatabaseKind = "pglite" | "postgres";

export interface LatchkeyServer {
  url: string;
  smtp: TestSmtpServer;
  /** The server's recent output, for a failure message. */
  output(): string;
  /**
   * Runs an operator command (`node src/cli/main.ts …`) on this installation's database and returns
   * its output. On PGlite the CLI needs the data folder to itself, so the server is stopped for it
   * and started again on the same port, as an operator would do; sessions live in the database
   * and survive the restart.
   */
  operator(args: string[]): Promise<string>;
  /**
   * Runs a test-support script (`node <script> …`, a path from the repository's root) on this
   * installation's database, the way `operator` runs the CLI: for a scene no command sets (a user's
   * second factor, given by writing its rows: tests/e2e/support/give-second-factor.ts).
   */
  script(path: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL("../../..", import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh database on TEST_DATABASE_URL's server, dropped again by the returned function. */
async function createPostgresDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `latchkey_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Latchkey exited with code ${child.exitCode} before it was ready:\n${output()}`);
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Latchkey was not ready within ${timeoutMs} ms:\n${output()}`);
}

export interface StartOptions {
  /**
   * Operator commands to run before the server first starts (registering an application, say): on
   * PGlite the CLI needs the data folder to itself, and this costs no restart.
   */
  beforeStart?: (cli: (args: string[]) => Promise<string>) => Promise<void>;
  /**
   * The host name of PUBLIC_URL (the server still listens on 127.0.0.1). WebAuthn refuses an IP
   * address as its relying party, so the passkey journey runs its own server as `localhost`.
   */
  publicHost?: string;
  /** No SMTP_URL: emails stay in the development mailbox (the SMTP server still runs, and receives nothing). */
  devMailbox?: boolean;
}

/**
 * The real server as a separate process (`node src/main.ts`), as an operator runs it: its own
 * port, a fresh database (PGlite in a temporary folder, or a new PostgreSQL database), and an
 * in-process SMTP server that the test reads the emails from.
 */
export async function startLatchkey(database: DatabaseKind, options: StartOptions = {}): Promise<LatchkeyServer> {
  const smtp = await startSmtpServer();
  const port = await freePort();
  const url = `http://${options.publicHost ?? "127.0.0.1"}:${port}`;
  const readyUrl = `http://127.0.0.1:${port}`;
  const dataDir = database === "pglite" ? await mkdtemp(join(tmpdir(), "latchkey-e2e-")) : null;
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (database === "postgres" && !serverUrl) throw new Error("The postgres project needs TEST_DATABASE_URL");
  const postgres = database === "postgres" && serverUrl ? await createPostgresDatabase(serverUrl) : null;

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ["DATABASE_URL", "DATA_DIR", "SMTP_URL", "PUBLIC_URL", "PORT", "HOST", "SIGNUP"]) delete env[key];
  Object.assign(env, {
    NODE_ENV: "test",
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: url,
    ...(options.devMailbox ? {} : { SMTP_URL: smtp.url }),
    LOG_LEVEL: "warn",
    GLOBAL_RATE_LIMIT_PER_MINUTE: "0",
    // Every journey on a worker's server registers its companies from 127.0.0.1; the default ten
    // an hour was passed at the eleventh (CI, stop 26). The limit itself is proven in invitation-limits.test.ts.
    REGISTRATION_LIMIT_PER_HOUR: "1000",
    // The integrations journey's webhook receiver listens on 127.0.0.1 in the test process.
    WEBHOOK_ALLOW_LOOPBACK: "on",
    WEBHOOK_POLL_INTERVAL: "200ms",
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  });

  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 200));
  };
  const output = () => lines.join("\n");

  const launch = (): ChildProcess => {
    const started = spawn(process.execPath, ["src/main.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    started.stdout?.on("data", keep);
    started.stderr?.on("data", keep);
    return started;
  };
  let child: ChildProcess | null = null;

  const halt = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const stop = async () => {
    await halt();
    await smtp.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  };

  const run = (file: string, args: string[]) =>
    new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [file, ...args], { cwd: root, env }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${stderr || error.message}`));
        else resolve(stdout);
      });
    });
  const cli = (args: string[]) => run("src/cli/main.ts", args);

  const withDatabase = async (work: () => Promise<string>) => {
    if (!dataDir) return work();
    await halt();
    try {
      return await work();
    } finally {
      child = launch();
      await waitUntilReady(readyUrl, child, output, 90_000);
    }
  };

  try {
    await options.beforeStart?.(cli);
    child = launch();
    await waitUntilReady(readyUrl, child, output, 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const operator = (args: string[]) => withDatabase(() => cli(args));
  const script = (path: string, args: string[]) => withDatabase(() => run(path, args));

  return { url, smtp, output, operator, script, stop };
}
