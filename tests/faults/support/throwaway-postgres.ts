import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "../../support/process.ts";

/**
 * A PostgreSQL server of the test's own, in a temporary folder on a free port, so a test can stop
 * and start it without touching the machine's shared server. Runs as the `postgres` user when the
 * tests run as root (PostgreSQL refuses to run as root).
 */
export interface ThrowawayPostgres {
  port: number;
  url: string;
  /**
   * Asynchronous, so the test's own event loop keeps running while pg_ctl works: a blocked test
   * process would send requests it had begun before the block only after it, in another phase.
   */
  start(): Promise<void>;
  /** `fast` ends every connection at once, as a restart or failover does. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  destroy(): void;
}

/** The newest installed PostgreSQL's bin folder, or null when none is installed. */
export function findPostgresBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : null;
}

/** The command line to run, as the `postgres` user when the tests run as root. */
function commandLine(command: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [command, args];
  const quoted = [command, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return ["su", ["postgres", "-s", "/bin/sh", "-c", quoted]];
}

function run(command: string, args: string[]): void {
  const [file, argv] = commandLine(command, args);
  execFileSync(file, argv, { stdio: "pipe" });
}

function runAsync(command: string, args: string[]): Promise<void> {
  const [file, argv] = commandLine(command, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, (error, _stdout, stderr) => (error ? reject(new Error(`${command} failed: ${stderr || error.message}`)) : resolve()));
  });
}

export async function startThrowawayPostgres(bin: string): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-pg-"));
  if (userInfo().uid === 0) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString().trim()), Number(execFileSync("id", ["-g", "postgres"]).toString().trim()));
  const data = join(dir, "data");
  const port = await freePort();
  run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "--no-instructions"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const startArgs = ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "60", "start"];
  const stopArgs = (mode: string) => ["-D", data, "-m", mode, "-w", "-t", "60", "stop"];
  const server: ThrowawayPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => runAsync(join(bin, "pg_ctl"), startArgs),
    stop: (mode = "fast") => runAsync(join(bin, "pg_ctl"), stopArgs(mode)),
    destroy() {
      try {
        run(join(bin, "pg_ctl"), stopArgs("immediate"));
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
