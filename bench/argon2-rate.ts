/**
 * The ceiling for logins: bare argon2id verifications per second with the service's parameters,
 * in this process (the same cores the server uses), nothing else running.
 */
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import { ARGON2_PARAMS } from "../src/features/auth/passwords.ts";

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
