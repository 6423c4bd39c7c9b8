import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import { AppError, assertThat } from "../../errors.ts";
import { metrics } from "../../metrics/metrics.ts";
import { lowerHashingThreadPriority } from "./hashing-threads.ts";

/** OWASP's minimum for argon2id: m=19 MiB, t=2, p=1. */
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * The common-password list, decompressed on the first password set rather than at start-up (about
 * 60 ms of the time to readiness). Loaded with require so the policy check stays synchronous.
 */
let commonPasswordSet: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!commonPasswordSet) {
    const { dictionary } = createRequire(import.meta.url)("@zxcvbn-ts/language-common") as typeof import("@zxcvbn-ts/language-common");
    commonPasswordSet = new Set(dictionary["passwords-common"].map((p) => p.toLowerCase()));
  }
  return commonPasswordSet;
}

/**
 * Bounds how many hashes run at once. argon2 runs on libuv's thread pool, off the event loop;
 * the bound keeps a login storm from filling that pool and starving everything else.
 */
class Semaphore {
  #free: number;
  #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(operation: "hash" | "verify", task: () => Promise<T>): Promise<T> {
    const arrived = performance.now();
    if (this.#free > 0) this.#free--;
    else {
      metrics.hashesQueued.inc();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      metrics.hashesQueued.dec();
    }
    const started = performance.now();
    metrics.hashWait.observe((started - arrived) / 1000);
    metrics.hashesInFlight.inc();
    try {
      return await task();
    } finally {
      metrics.hashesInFlight.dec();
      metrics.hashDuration.observe({ operation }, (performance.now() - started) / 1000);
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

let hashing = new Semaphore(Math.max(1, availableParallelism()));

export function setHashConcurrency(size: number): void {
  hashing = new Semaphore(size);
}

export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

export function hashPassword(password: string): Promise<string> {
  return hashing.run("hash", () => hash(normalizePassword(password), ARGON2_PARAMS));
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return hashing.run("verify", () => verify(passwordHash, normalizePassword(password)).catch(() => false));
}

// A real hash of a random secret: verifying against it costs what a real verification costs.
const dummyHash = hash(crypto.randomUUID(), ARGON2_PARAMS);

/**
 * Sizes the bound on concurrent hashes and, once the thread pool exists (the dummy hash starts it),
 * lowers the priority of its threads so hashing never starves the event loop or the database.
 */
export async function prepareHashing(concurrency: number | undefined): Promise<void> {
  if (concurrency) setHashConcurrency(concurrency);
  await dummyHash;
  lowerHashingThreadPriority();
}

/** Spends the time of a real verification, so an unknown email answers like a wrong password. */
export async function dummyVerify(password: string): Promise<false> {
  const target = await dummyHash;
  await verifyPassword(target, password);
  return false;
}

export interface PasswordContext {
  minLength: number;
  email?: string | undefined;
  companyName?: string | undefined;
}

function isCommon(lower: string): boolean {
  const common = commonPasswords();
  if (common.has(lower)) return true;
  // One character repeated, or a common password repeated ("passwordpassword").
  for (let size = 1; size <= lower.length / 2; size++) {
    if (lower.length % size === 0 && lower.slice(0, size).repeat(lower.length / size) === lower) {
      return size === 1 || common.has(lower.slice(0, size)) || size < 4;
    }
  }
  // A common password padded with digits or punctuation ("password12345678!").
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/gu, "");
  return core.length >= 4 && core !== lower && common.has(core);
}

/**
 * NIST SP 800-63B: length bounds, no composition rules, a check against common and breached
 * passwords, and nothing that contains the user's own identity. Throws the first failure.
 */
export function checkPasswordPolicy(password: string, context: PasswordContext): void {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < context.minLength) {
    throw new AppError("PASSWORD_TOO_SHORT", `The password must be at least ${context.minLength} characters long.`);
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new AppError("PASSWORD_TOO_LONG", `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`);
  }
  const lower = normalized.toLowerCase();
  assertThat(!isCommon(lower), "PASSWORD_TOO_COMMON");
  const identity = [context.email, context.email?.split("@")[0], context.companyName]
    .map((part) => part?.normalize("NFKC").toLowerCase().trim())
    .filter((part): part is string => part !== undefined && part.length >= 4);
  assertThat(!identity.some((part) => lower.includes(part)), "PASSWORD_CONTAINS_IDENTITY");
}
