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

function ticksOf(pid: string | number): number | null {
  try {
    // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

function postgresTicks(): number | null {
  let total: number | null = null;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  for (const pid of entries) {
    if (!/^\d+$/u.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
    } catch {
      continue;
    }
    const ticks = ticksOf(pid);
    if (ticks !== null) total = (total ?? 0) + ticks;
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
    const ticks = ticksOf(`${pid}/task/${task}`);
    if (ticks !== null) total = (total ?? 0) + ticks;
  }
  return total;
}

const toMs = (ticks: number | null) => (ticks === null ? null : ticks * TICK_MS);

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    serverMs: toMs(ticksOf(serverPid)),
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
