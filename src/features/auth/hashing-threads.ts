import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/** How much lower than the rest of the process the hashing threads run (nice 0 → 10). */
const HASHING_NICENESS = 10;

/**
 * argon2 runs on libuv's thread pool, and a login storm keeps those threads busy. Left at the
 * process's priority they take the cores from the event loop and from PostgreSQL, and every other
 * request (a session check, a page) waits behind hashes. Lowered, they still get every idle cycle
 * (logins run as fast as the machine allows) but yield the moment other work is ready.
 *
 * Linux only (a thread is a task with its own nice value there); elsewhere nothing changes.
 * libuv starts all its pool threads together, on first use: call this after one hash has run.
 * Returns how many threads were lowered.
 */
export function lowerHashingThreadPriority(): number {
  if (process.platform !== "linux") return 0;
  let lowered = 0;
  for (const task of readdirSync("/proc/self/task")) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, "utf8").trim() !== "libuv-worker") continue;
      setPriority(Number(task), HASHING_NICENESS);
      lowered++;
    } catch {
      // A thread that ended meanwhile, or a system that refuses: hashing still works, unlowered.
    }
  }
  return lowered;
}
