/**
 * Splitting the machine's cores between the server and everything else (PostgreSQL, the load
 * generator), with util-linux's taskset: Node has no call for a thread's CPU affinity. Linux only.
 */
import { execFileSync } from "node:child_process";

export interface CoreSplit {
  /** The cores the server runs on, and the bare verifications it is compared with: "1" or "2,3". */
  server: string;
  /** The rest: the load generator, and where PostgreSQL mostly lands. */
  rest: string;
  serverCores: number;
}

/** The cores a process may run on ("0-3,6" → [0, 1, 2, 3, 6]), or null without taskset. */
function allowedCores(pid: number): number[] | null {
  try {
    const out = execFileSync("taskset", ["-c", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const list = out.split(":").at(-1)?.trim() ?? "";
    return list.split(",").flatMap((part) => {
      const [from, to] = part.split("-").map(Number);
      if (from === undefined || !Number.isInteger(from)) return [];
      return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
    });
  } catch {
    return null;
  }
}

/** The upper half of this process's cores for the server, the lower half for the rest; null where it cannot be done. */
export function splitCores(): CoreSplit | null {
  const cores = process.platform === "linux" ? allowedCores(process.pid) : null;
  if (!cores || cores.length < 2) return null;
  const half = Math.floor(cores.length / 2);
  return { server: cores.slice(half).join(","), rest: cores.slice(0, half).join(","), serverCores: cores.length - half };
}

/** Pins every thread of a process (threads it starts later inherit it); returns what undoes it. */
export function pinProcess(pid: number, cpus: string): () => void {
  const before = allowedCores(pid);
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
  return () => {
    if (before) execFileSync("taskset", ["-a", "-p", "-c", before.join(","), String(pid)], { stdio: "ignore" });
  };
}
