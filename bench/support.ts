import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const BENCH_ADMIN_EMAIL = "admin@bench.example";
export const BENCH_ADMIN_PASSWORD = "bench administrator password";

/** `--name value` flags with defaults; numbers stay strings until the script reads them. */
export function flags<T extends Record<string, string>>(defaults: T): T {
  const options = Object.fromEntries(Object.keys(defaults).map((key) => [key, { type: "string" as const }]));
  const { values } = parseArgs({ options, strict: true, allowPositionals: false });
  return { ...defaults, ...(values as Partial<T>) };
}

export function whichDatabase(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ? `PostgreSQL (${new URL(env.DATABASE_URL).pathname.slice(1)})` : `PGlite (${env.DATA_DIR ?? "./data"})`;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)] ?? Number.NaN;
}

export function summarize(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { n: sorted.length, median: percentile(sorted, 50), p95: percentile(sorted, 95), min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

/** Creates the database named in a PostgreSQL URL if it is missing (connecting to `postgres` to do it). */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const server = new URL(url);
  server.pathname = "/postgres";
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
  if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  await client.end();
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  /** The server process, for reading its memory from /proc. */
  pid: number;
  /** From spawn to the first 200 on /readyz. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Starts `node src/main.ts` (or another server `script`) on loopback with the caller's database
 * settings and waits until /readyz says ready. With `cpus` ("1", "2,3"), it runs on those cores only
 * (Linux, util-linux's taskset).
 */
export async function startServer(env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000, cpus?: string, script = "src/main.ts"): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const command = cpus ? ["taskset", "-c", cpus, process.execPath, script] : [process.execPath, script];
  const child: ChildProcess = spawn(command[0] ?? "", command.slice(1), {
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: url, LOG_LEVEL: "warn", GLOBAL_RATE_LIMIT_PER_MINUTE: "0" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));
  while (alive) {
    if (performance.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`the server was not ready within ${timeoutMs} ms`);
    }
    try {
      const reply = await fetch(`${url}/readyz`);
      if (reply.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!alive) throw new Error("the server exited before it was ready");
  const readyMs = performance.now() - started;
  return {
    url,
    pid: child.pid ?? 0,
    readyMs,
    async stop() {
      if (alive) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Runs `work` with the given processes stopped (SIGSTOP … SIGCONT): a server that has just served a
 * load still collects garbage and compiles for a while, and must not take the cores from a
 * measurement of bare verifications. Their connections wait; nothing is lost.
 */
export async function withProcessesStopped<T>(pids: number[], work: () => Promise<T>): Promise<T> {
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  try {
    return await work();
  } finally {
    for (const pid of pids) process.kill(pid, "SIGCONT");
  }
}
