/**
 * Where a scenario's CPU goes: the server process (all its threads, argon2's included, and of
 * those libuv's pool threads, where argon2 runs), the PostgreSQL processes on this machine, and
 * the load generator (this process), read from /proc.
 * Linux only; elsewhere, and for a PostgreSQL on another machine, the missing parts read as null.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second: 100 on every Linux this runs on (USER_HZ). */
const TICK_MS = 10;

export interface CpuSnapshot {
  serverMs: number | null;
  /** The server's libuv pool threads ("libuv-worker"): argon2, and the little file work there is. */
  serverPoolMs: number | null;
  postgresMs: number | null;
  loadGeneratorMs: number;
}

function statFields(path: string): string[] | null {
  try {
    // Fields after the command name: state is field 3 (index 0 here), ppid 4, utime 14, stime 15,
    // cutime 16 and cstime 17 (1-based, as in proc(5)).
    return readFileSync(`${path}/stat`, "utf8").split(") ")[1]?.split(" ") ?? null;
  } catch {
    return null;
  }
}

function ticksOf(path: string): number | null {
  const fields = statFields(path);
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

/**
 * Every PostgreSQL process's CPU, and for the postmaster also what its ended children used (a
 * backend whose connection closed during a run, an autovacuum worker): without that, a run in which
 * backends came and went would read low.
 */
function postgresTicks(): number | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const postgres = new Map<string, string[]>();
  for (const pid of entries) {
    if (!/^\d+$/u.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
    } catch {
      continue;
    }
    const fields = statFields(`/proc/${pid}`);
    if (fields) postgres.set(pid, fields);
  }
  if (postgres.size === 0) return null;
  let total = 0;
  for (const fields of postgres.values()) {
    total += Number(fields[11]) + Number(fields[12]);
    if (!postgres.has(fields[1] ?? "")) total += Number(fields[13]) + Number(fields[14]);
  }
  return total;
}

function poolThreadTicks(pid: number): number | null {
  let total: number | null = null;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  for (const task of tasks) {
    try {
      if (readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").trim() !== "libuv-worker") continue;
    } catch {
      continue;
    }
    const ticks = ticksOf(`/proc/${pid}/task/${task}`);
    if (ticks !== null) total = (total ?? 0) + ticks;
  }
  return total;
}

const toMs = (ticks: number | null) => (ticks === null ? null : ticks * TICK_MS);

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    serverMs: toMs(ticksOf(`/proc/${serverPid}`)),
    serverPoolMs: toMs(poolThreadTicks(serverPid)),
    postgresMs: toMs(postgresTicks()),
    loadGeneratorMs: (own.user + own.system) / 1000,
  };
}

/** CPU milliseconds per answered request between two snapshots. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuSnapshot {
  const per = (a: number | null, b: number | null) => (a === null || b === null || requests === 0 ? null : (b - a) / requests);
  return {
    serverMs: per(before.serverMs, after.serverMs),
    serverPoolMs: per(before.serverPoolMs, after.serverPoolMs),
    postgresMs: per(before.postgresMs, after.postgresMs),
    loadGeneratorMs: (after.loadGeneratorMs - before.loadGeneratorMs) / requests,
  };
}
