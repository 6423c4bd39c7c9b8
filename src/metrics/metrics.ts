import client from "prom-client";

/**
 * The process's metrics (decision 0040). One registry per process, like the process it describes:
 * the counters below are bumped where the work happens (a sign-in, a hash, a delivery) without
 * being passed around, and the values that live in the database (the outbox, the queues) are read
 * by the scrape itself (scrape.ts), since several instances share one PostgreSQL and each would
 * otherwise report a stale copy of the same number.
 *
 * Every label value comes from a fixed set in the code (an outcome, a route template, a queue's
 * name): never a user id, an email address or a raw path.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

/** Sign-in outcomes. second_factor: the password was right and a second step is owed (or a factor to
 * set up); no session yet — when the step succeeds, the same sign-in counts success as well. */
export const SIGN_IN_OUTCOMES = ["success", "wrong_password", "limited", "second_factor"] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

/** Who asked for a reset link: an administrator of the user's company, a team member of a managing
 * company, an integration (API client), the user for themselves, or "forgot password". */
export const RESET_ORIGINS = ["administrator", "team_member", "integration", "self", "forgot_password"] as const;
export type ResetOrigin = (typeof RESET_ORIGINS)[number];
/** sent: a link and its email were written; limited: refused by a rate limit; refused: any other refusal
 * (deactivated account, no authority); dropped: a forgot-password request for no account. */
export const RESET_OUTCOMES = ["sent", "limited", "refused", "dropped"] as const;
export type ResetOutcome = (typeof RESET_OUTCOMES)[number];

/** The second step of a sign-in: how it was taken, and what came of it (expired: no live half-finished
 * sign-in behind the cookie — expired, used, or killed by too many wrong codes). */
export const SECOND_FACTOR_METHODS = ["totp", "recovery_code", "passkey"] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];
export const SECOND_FACTOR_OUTCOMES = ["success", "incorrect", "limited", "expired"] as const;
export type SecondFactorOutcome = (typeof SECOND_FACTOR_OUTCOMES)[number];

export const EMAIL_STATES = ["sent", "dropped", "failed", "retrying"] as const;

/**
 * A counter whose every label takes its values from a fixed list: each combination is created at
 * zero, so a rate() sees the first event and a dashboard shows an empty series rather than none;
 * `inc` takes only values from the lists.
 */
function boundedCounter<const L extends Record<string, readonly string[]>>(name: string, help: string, labels: L) {
  const labelNames = Object.keys(labels);
  const counter = new client.Counter({ name, help, labelNames, registers: [registry] });
  const combinations = labelNames.reduce<Array<Record<string, string>>>(
    (sets, label) => sets.flatMap((set) => labels[label]!.map((value) => ({ ...set, [label]: value }))),
    [{}],
  );
  for (const combination of combinations) counter.inc(combination, 0);
  return {
    counter,
    inc(values: { [K in keyof L]: L[K][number] }, n = 1): void {
      counter.inc(values as Record<string, string>, n);
    },
  };
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  httpRequests: new client.Counter({
    name: "latchkey_http_requests_total",
    help: "HTTP requests answered, by route template, method and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  }),
  httpDuration: new client.Histogram({
    name: "latchkey_http_request_duration_seconds",
    help: "Time from a request's arrival to the end of its answer, by route template, method and status class (2xx, 4xx, 5xx).",
    labelNames: ["method", "route", "status_class"] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  hashesInFlight: new client.Gauge({
    name: "latchkey_password_hashes_in_flight",
    help: "argon2 hashes and verifications running now (bounded by HASH_CONCURRENCY).",
    registers: [registry],
  }),
  hashesQueued: new client.Gauge({
    name: "latchkey_password_hashes_queued",
    help: "argon2 hashes and verifications waiting for a free slot.",
    registers: [registry],
  }),
  hashDuration: new client.Histogram({
    name: "latchkey_password_hash_duration_seconds",
    help: "Time of one argon2 hash or verification, from taking its slot to its result (the wait is not counted).",
    labelNames: ["operation"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2],
    registers: [registry],
  }),
  hashWait: new client.Histogram({
    name: "latchkey_password_hash_wait_seconds",
    help: "Time a hash or verification waited for a free slot.",
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  signIns: boundedCounter(
    "latchkey_sign_ins_total",
    "Sign-ins, by outcome: success opened a session (a password alone, after the second step, or a passkey without a password); second_factor: a right password stopped at the second step; wrong_password includes unknown and deactivated accounts.",
    { outcome: SIGN_IN_OUTCOMES },
  ),
  secondFactorAttempts: boundedCounter(
    "latchkey_second_factor_attempts_total",
    "Second steps of a sign-in, by method and outcome (expired: no live half-finished sign-in behind the cookie).",
    { method: SECOND_FACTOR_METHODS, outcome: SECOND_FACTOR_OUTCOMES },
  ),
  resets: boundedCounter("latchkey_password_resets_total", "Reset-link requests, by who asked and what came of it.", { origin: RESET_ORIGINS, outcome: RESET_OUTCOMES }),
  emails: new client.Counter({
    name: "latchkey_emails_total",
    help: "Email delivery attempts settled by this instance, by kind and the state they left the email in.",
    labelNames: ["kind", "state"] as const,
    registers: [registry],
  }),
  smtpDuration: new client.Histogram({
    name: "latchkey_smtp_send_duration_seconds",
    help: "Time of one SMTP attempt, by outcome (answered: accepted or refused for good; temporary_failure: 4xx, refused connection, timeout).",
    labelNames: ["outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  }),
  rateLimitRefusals: new client.Counter({
    name: "latchkey_rate_limit_refusals_total",
    help: "Requests refused by a rate limit, by limit (flow:limit, or global for the per-instance flood guard).",
    labelNames: ["limit"] as const,
    registers: [registry],
  }),
  jobFailures: new client.Counter({
    name: "latchkey_job_failures_total",
    help: "Background job attempts that failed on this instance (to be retried or for good), by queue.",
    labelNames: ["queue"] as const,
    registers: [registry],
  }),
  backgroundRest: new client.Counter({
    name: "latchkey_background_rest_seconds_total",
    help: "Seconds a background worker waited before a batch because this instance was busy answering requests (decision 0052), by worker.",
    labelNames: ["worker"] as const,
    registers: [registry],
  }),
  dbAcquire: new client.Histogram({
    name: "latchkey_db_pool_acquire_seconds",
    help: "Time a query or transaction waited for a connection from this instance's PostgreSQL pool.",
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3],
    registers: [registry],
  }),
};

export function countSignIn(outcome: SignInOutcome): void {
  metrics.signIns.inc({ outcome });
}

export function countSecondFactorAttempt(method: SecondFactorMethod, outcome: SecondFactorOutcome): void {
  metrics.secondFactorAttempts.inc({ method, outcome });
}

export function countReset(origin: ResetOrigin, outcome: ResetOutcome, n = 1): void {
  if (n > 0) metrics.resets.inc({ origin, outcome }, n);
}

/** Label values must come from code; this guards the few taken from a row (an email's kind). */
export function boundedLabel(value: string): string {
  return /^[a-z][a-z0-9_.:-]{0,39}$/.test(value) ? value : "other";
}
