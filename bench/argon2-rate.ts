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
}

async function rateAt(target: string, password: string, concurrency: number, seconds: number): Promise<number> {
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
  return done / ((performance.now() - started) / 1000);
}

/** Tries one verification per core and two per core; the denominator is the better of the two. */
export async function measureArgon2Rate(seconds: number): Promise<Argon2Rate> {
  const password = "bench administrator password";
  const target = await hash(password, ARGON2_PARAMS);
  const cores = availableParallelism();
  const byConcurrency: Record<string, number> = {};
  for (const concurrency of [cores, cores * 2]) byConcurrency[String(concurrency)] = await rateAt(target, password, concurrency, seconds);
  return { perSecond: Math.max(...Object.values(byConcurrency)), byConcurrency, cores };
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
