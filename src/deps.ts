import type { FastifyBaseLogger } from "fastify";
import pino from "pino";
import pretty from "pino-pretty";
import { serializeError } from "./log-errors.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import { migrateDatabase, openDatabase, type Database, type Db } from "./db/client.ts";
import { createMailTransport } from "./email/transports.ts";
import type { MailTransport } from "./email/transport.ts";
import { startJobQueue, type JobQueue } from "./jobs/job-queue.ts";
import { BackgroundPacer } from "./jobs/pacer.ts";
import { JOB_QUEUES } from "./job-queues.ts";
import { prepareHashing } from "./features/auth/passwords.ts";
import { createForgotPasswordGuard, type ForgotPasswordGuard } from "./features/auth/password-reset/forgot-password-guard.ts";
import { RESET_LIMITS } from "./features/auth/password-reset/reset-limits.ts";
import { OidcProvider } from "./oidc/provider.ts";
import { systemResolver, type WebhookResolver } from "./features/webhooks/resolver.ts";

/** Everything a use case may need, wired explicitly. Tests build their own with a fake clock. */
export interface Deps {
  config: Config;
  database: Database;
  db: Db;
  clock: Clock;
  logger: FastifyBaseLogger;
  jobs: JobQueue;
  mailTransport: MailTransport;
  /** The OpenID provider, built on first use from the keys in the database (src/oidc/). */
  oidc: OidcProvider;
  /** Resolves a webhook endpoint's host name before every attempt (tests map names to blocked addresses). */
  webhookResolver: WebhookResolver;
  /** This process's guard in front of the forgot-password request table (decision 0034). */
  forgotPasswordGuard: ForgotPasswordGuard;
  /** Lets the background workers give way to a busy request path (decision 0052); the app tells it how busy. */
  pacer: BackgroundPacer;
}

export interface BuildDepsOptions {
  clock?: Clock;
  logger?: FastifyBaseLogger;
  /** Tests pass an open database (for example a throw-away PGlite). */
  database?: Database;
  mailTransport?: MailTransport;
  webhookResolver?: WebhookResolver;
}

/** Secrets and tokens never reach a log line: request bodies are not logged, and these paths are redacted. */
export const LOG_REDACT = [
  "req.headers.cookie",
  "req.headers.authorization",
  "req.headers['x-csrf-token']",
  'res.headers["set-cookie"]',
  "password",
  "token",
  "*.password",
  "*.token",
];

/**
 * JSON lines on stdout (or `destination`), or pino-pretty's readable lines for a person at a
 * terminal: secrets redacted either way, failed queries logged without their parameters.
 */
export function createLogger(level: Config["logLevel"], destination?: pino.DestinationStream, format: Config["logFormat"] = "json"): FastifyBaseLogger {
  const options = { level, redact: LOG_REDACT, serializers: { err: serializeError } };
  if (format === "pretty") return pino(options, pretty({ sync: true, colorize: process.stdout.isTTY, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname", destination: destination ?? 1 }));
  return pino(options, destination);
}

export async function buildDeps(config: Config, options: BuildDepsOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  await prepareHashing(config.hashConcurrency);
  const database =
    options.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, poolMode: config.databasePoolMode }));
  await migrateDatabase(database);
  // Every queue exists once this returns, so the CLI can enqueue (an invitation) without running workers.
  const jobs = await startJobQueue(database, config, JOB_QUEUES, (error) => logger.error({ err: error }, "job queue error"));
  const mailTransport = options.mailTransport ?? createMailTransport(config, database.db, logger);
  const clock = options.clock ?? systemClock;
  const oidc = new OidcProvider({ db: database.db, config, clock, logger, jobs });
  const webhookResolver = options.webhookResolver ?? systemResolver;
  const forgotPasswordGuard = createForgotPasswordGuard(RESET_LIMITS.forgotPerClient);
  return { config, database, db: database.db, clock, logger, jobs, mailTransport, oidc, webhookResolver, forgotPasswordGuard, pacer: new BackgroundPacer() };
}

export async function closeDeps(deps: Deps): Promise<void> {
  await deps.jobs.stop();
  await deps.mailTransport.close();
  await deps.database.close();
}
