/**
 * The ceiling for logins: bare argon2id verifications per second with the service's parameters,
 * nothing else running — in this process, or in a child pinned to the server's cores
 * (`startArgon2Meter`, for the login ratio on the server's own cores).
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import { ARGON2_PARAMS } from "../src/features/auth/passwords.ts";
import { pinProcess } from "./cpu-affinity.ts";

export interface Argon2Rate {
  /** The best of the concurrencies tried. */
  perSecond: number;
  byConcurrency: Record<string, number>;
  cores: number;
  /** CPU of the measuring process (every thread) per verification, at each concurrency. */
  cpuMsByConcurrency: Record<string, number>;
  /** The same at the better concurrency. */
  cpuMsPerVerification: number;
}

async function countAt(target: string, password: string, concurrency: number, seconds: number): Promise<{ done: number; seconds: number }> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await verify(target, password))) throw new Error("argon2 verification failed");
        done++;
      }
    }),
  );
  return { done, seconds: (performance.now() - started) / 1000 };
}

/** Tries one verification per core and two per core; the denominator is the better of the two. */
export async function measureArgon2Rate(seconds: number): Promise<Argon2Rate> {
  const password = "bench administrator password";
  const target = await hash(password, ARGON2_PARAMS);
  const cores = availableParallelism();
  const byConcurrency: Record<string, number> = {};
  const cpuMsByConcurrency: Record<string, number> = {};
  for (const concurrency of [cores, cores * 2]) {
    const cpuBefore = process.cpuUsage();
    const run = await countAt(target, password, concurrency, seconds);
    const cpu = process.cpuUsage(cpuBefore);
    byConcurrency[String(concurrency)] = run.done / run.seconds;
    cpuMsByConcurrency[String(concurrency)] = (cpu.user + cpu.system) / 1000 / run.done;
  }
  return summarizeArgon2Rate(byConcurrency, cpuMsByConcurrency, cores);
}

/** The better concurrency's rate, and its CPU per verification. */
export function summarizeArgon2Rate(byConcurrency: Record<string, number>, cpuMsByConcurrency: Record<string, number>, cores: number): Argon2Rate {
  const [best] = Object.entries(byConcurrency).sort((a, b) => b[1] - a[1]);
  return {
    perSecond: best?.[1] ?? Number.NaN,
    byConcurrency,
    cores,
    cpuMsByConcurrency,
    cpuMsPerVerification: best ? (cpuMsByConcurrency[best[0]] ?? Number.NaN) : Number.NaN,
  };
}

export interface Argon2Meter {
  /** Verifications per second on the meter's cores, each concurrency tried for `seconds`. */
  measure(seconds: number): Promise<Argon2Rate>;
  stop(): void;
}

/** A child process pinned to `cpus` that measures bare verifications there whenever asked. */
export async function startArgon2Meter(cpus: string): Promise<Argon2Meter> {
  const child = fork(new URL("./argon2-meter.ts", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await once(child, "message");
  // Before its first hash: libuv's thread pool starts then, and its threads inherit the pinning.
  if (child.pid) pinProcess(child.pid, cpus);
  return {
    async measure(seconds) {
      const answer = once(child, "message");
      child.send(seconds);
      const [rate] = (await answer) as [Argon2Rate];
      return rate;
    },
    stop: () => void child.kill(),
  };
}
