import { metrics } from "../metrics/metrics.ts";

/** The last attempts remembered, and how long one counts: a slow hour long gone says nothing now. */
const REMEMBERED = 20;
const RELEVANT_MS = 15 * 60_000;

interface Attempt {
  at: number;
  durationMs: number;
  /** A connection refused, a timeout, a 4xx: the server's trouble, not the recipient's (a 5xx). */
  temporaryFailure: boolean;
}

const attempts: Attempt[] = [];

/**
 * Every SMTP attempt of this process, timed where it happens (deliver-email.ts). Read by the
 * degraded check (/health): a passive measure, so checking costs the SMTP server no connection.
 */
export function recordSmtpAttempt(durationMs: number, temporaryFailure: boolean, at = Date.now()): void {
  attempts.push({ at, durationMs, temporaryFailure });
  if (attempts.length > REMEMBERED) attempts.shift();
  metrics.smtpDuration.observe({ outcome: temporaryFailure ? "temporary_failure" : "answered" }, durationMs / 1000);
}

export interface SmtpHealth {
  status: "ok" | "degraded";
  /** Attempts in the last 15 minutes that this reading is based on. */
  recentAttempts: number;
  slowestMs: number | null;
  temporaryFailures: number;
}

/** Degraded when, of the last attempts within 15 minutes, half or more failed for now, or the median took longer than `slowAfterMs`. */
export function smtpHealth(slowAfterMs: number, now = Date.now()): SmtpHealth {
  const recent = attempts.filter((attempt) => now - attempt.at <= RELEVANT_MS);
  if (recent.length === 0) return { status: "ok", recentAttempts: 0, slowestMs: null, temporaryFailures: 0 };
  const durations = recent.map((attempt) => attempt.durationMs).sort((a, b) => a - b);
  const median = durations[Math.floor((durations.length - 1) / 2)] ?? 0;
  const temporaryFailures = recent.filter((attempt) => attempt.temporaryFailure).length;
  const degraded = median > slowAfterMs || temporaryFailures * 2 >= recent.length;
  return { status: degraded ? "degraded" : "ok", recentAttempts: recent.length, slowestMs: Math.round(durations.at(-1) ?? 0), temporaryFailures };
}

/** Tests: forget the attempts of earlier tests in this process. */
export function forgetSmtpAttempts(): void {
  attempts.length = 0;
}
