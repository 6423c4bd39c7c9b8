import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { z } from "zod";
import { devMailboxEnabled } from "./features/dev-mailbox/dev-mailbox-enabled.ts";

/** "90s", "30m", "24h", "7d" or a bare number of seconds → milliseconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = match[2] ?? "s";
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1_000;
  return amount * factor;
}

const Duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: "custom", message: `"${value}" is not a duration like 30m, 24h or 7d` });
        return z.NEVER;
      }
      return ms;
    });

const Flag = (fallback: boolean) =>
  z
    .enum(["on", "off", "true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((value) => (value === undefined ? fallback : ["on", "true", "1", "yes"].includes(value)));

/**
 * Which proxies may tell the client's address in X-Forwarded-For: "off", a hop count ("1" for
 * one proxy in front), or the proxies' addresses and CIDR ranges ("10.0.0.0/8,127.0.0.1", or
 * proxy-addr's names loopback, linklocal, uniquelocal). "on" — every hop — is refused: anyone
 * could then write their own address into the header (decision 0018).
 */
const TrustProxy = z
  .string()
  .optional()
  .transform((value, ctx): false | number | string[] => {
    const text = value?.trim().toLowerCase() ?? "off";
    if (["off", "false", "no", "0"].includes(text)) return false;
    if (["on", "true", "yes"].includes(text)) {
      ctx.addIssue({ code: "custom", message: `"${value}" would trust every X-Forwarded-For hop, so any client could choose its own address. Say which proxies to trust: a hop count such as 1, or their addresses such as 127.0.0.1 or 10.0.0.0/8` });
      return z.NEVER;
    }
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= 16) return hops;
    }
    const entries = text.split(",").map((entry) => entry.trim());
    const bad = entries.filter((entry) => !isProxyAddress(entry));
    if (bad.length > 0) {
      ctx.addIssue({ code: "custom", message: `"${bad[0] || value}" is not a hop count (1 to 16), an IP address, a CIDR range, or one of loopback, linklocal, uniquelocal` });
      return z.NEVER;
    }
    return entries;
  });

const PROXY_RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = "", bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** "5s,5m,30m" → the delays before each retry, in milliseconds. */
const DurationList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const delays = value.split(",").map((part) => parseDuration(part));
      if (delays.some((ms) => ms === null || ms <= 0)) {
        ctx.addIssue({ code: "custom", message: `"${value}" is not a comma-separated list of durations like 5s,5m,30m,2h` });
        return z.NEVER;
      }
      return delays as number[];
    });

/** 32 bytes, base64 or hex: the key secrets kept at rest are encrypted with (decisions 0031, 0036). */
const SecretKey = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
    if (key.length !== 32) {
      ctx.addIssue({ code: "custom", message: "must be 32 random bytes, base64 or hex (for example: openssl rand -base64 32)" });
      return z.NEVER;
    }
    return key;
  });

const Url = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ""));

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  // The OpenID provider's issuer is PUBLIC_URL itself and its paths start at the root (/oidc/,
  // /.well-known/): an origin, with no path, query or fragment (decision 0027).
  PUBLIC_URL: Url.refine((value) => {
    const url = new URL(value);
    return url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
  }, "must be an origin such as https://login.example.com, with no path, query or user name").optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // "transaction" behind a pooler in transaction mode (PgBouncer < 1.21): unnamed statements, no LISTEN (decision 0046).
  DATABASE_POOL_MODE: z.enum(["session", "transaction"]).default("session"),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  SMTP_CONNECTIONS: z.coerce.number().int().min(1).max(50).default(5),
  MAIL_FROM: z.string().min(3).default("Latchkey <no-reply@latchkey.localhost>"),
  EMAIL_RETRY_DELAY: Duration("5s"),
  EMAIL_RETRY_LIMIT: z.coerce.number().int().min(0).max(50).default(8),
  RESET_LINK_TTL: Duration("24h"),
  INVITE_LINK_TTL: Duration("7d"),
  SESSION_TTL: Duration("12h"),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),
  SIGNUP: Flag(true),
  // Self-service registrations per client address per hour (decision 0020): each costs an argon2 hash and leaves rows.
  REGISTRATION_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(10),
  TRUST_PROXY: TrustProxy,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  GLOBAL_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  WEBHOOK_ALLOW_LOOPBACK: Flag(false),
  WEBHOOK_RETRY_SCHEDULE: DurationList("5s,5m,30m,2h,5h,10h,10h"),
  WEBHOOK_DISABLE_AFTER: Duration("24h"),
  WEBHOOK_CONNECT_TIMEOUT: Duration("5s"),
  WEBHOOK_TIMEOUT: Duration("15s"),
  WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(0).max(10_485_760).default(65_536),
  WEBHOOK_POLL_INTERVAL: Duration("500ms"),
  WEBHOOK_SWEEP_INTERVAL: Duration("30s"),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  SECRET_KEY: SecretKey,
  WEBHOOK_SECRET_KEY: SecretKey,
  WEBHOOK_SECRET_OVERLAP: Duration("24h"),
  // Metrics are never public by default (decision 0040): a port of their own, on loopback unless
  // told otherwise, and/or GET /metrics on the service's port behind a bearer token.
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  METRICS_TOKEN: z.string().min(32, "must be at least 32 characters (for example: openssl rand -hex 32)").max(200).regex(/^\S+$/, "must not contain spaces").optional(),
  OUTBOX_DEGRADED_AFTER: Duration("5m"),
  SMTP_DEGRADED_AFTER: Duration("2s"),
});

type ParsedEnv = z.infer<typeof ConfigSchema>;

export interface Config {
  env: ParsedEnv["NODE_ENV"];
  port: number;
  /** 127.0.0.1 by default while the development mailbox is on (it holds every account's links), else 0.0.0.0. */
  host: string;
  /** Base of every link Latchkey puts in an email. Never derived from request headers. */
  publicUrl: string;
  /** PUBLIC_URL was not set: publicUrl is http://localhost:PORT, which the server and the CLI warn about. */
  publicUrlDefaulted: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  databasePoolMode: "session" | "transaction";
  smtpUrl: string | undefined;
  /** Most SMTP connections one instance opens; it sends as many emails at once, never more. */
  smtpConnections: number;
  mailFrom: string;
  /** First delay before an email is retried after a temporary SMTP failure; it doubles each time. */
  emailRetryDelayMs: number;
  /** Retries after the first attempt before an email is marked failed. */
  emailRetryLimit: number;
  resetLinkTtlMs: number;
  inviteLinkTtlMs: number;
  sessionTtlMs: number;
  passwordMinLength: number;
  signup: boolean;
  /** Self-service registrations per client address per hour. */
  registrationLimitPerHour: number;
  /** Fastify's trustProxy: false, a hop count, or the trusted proxies' addresses and ranges. */
  trustProxy: false | number | string[];
  logLevel: ParsedEnv["LOG_LEVEL"];
  /** LOG_FORMAT: JSON lines, or pino-pretty's readable lines (default in development on a terminal). */
  logFormat: "json" | "pretty";
  hashConcurrency: number | undefined;
  /** Per-instance flood guard per client address; 0 turns it off (benchmarks). */
  globalRateLimitPerMinute: number;
  /**
   * SECRET_KEY (or, as before, WEBHOOK_SECRET_KEY): 32 bytes that encrypt the secrets Latchkey must
   * keep to use again — webhook signing secrets and authenticator-app secrets (decision 0036).
   */
  secretKey: Buffer | undefined;
  webhooks: WebhookConfig;
  metrics: MetricsConfig;
  /** /health/degraded (health.routes.ts): when the outbox or the SMTP server count as degraded. */
  degraded: { outboxAgeMs: number; smtpResponseMs: number };
}

/** Where Prometheus reads GET /metrics (decision 0040). Neither set: nowhere. */
export interface MetricsConfig {
  /** METRICS_PORT: a listener of its own for /metrics, on METRICS_HOST (127.0.0.1 by default). */
  port: number | undefined;
  host: string;
  /** METRICS_TOKEN: /metrics on the service's port too, with Authorization: Bearer <token>; asked on METRICS_PORT as well. */
  token: string | undefined;
}

/** Outgoing webhooks (src/features/webhooks/, decisions 0031–0033). */
export interface WebhookConfig {
  /**
   * WEBHOOK_ALLOW_LOOPBACK=on: endpoints may be http:// or https:// on 127.0.0.0/8 and ::1 (tests,
   * local development). Off by default: loopback is refused like every private address.
   */
  allowLoopback: boolean;
  /** WEBHOOK_RETRY_SCHEDULE: the delay before each retry (default 5s,5m,30m,2h,5h,10h,10h — about 27 hours). */
  retryDelaysMs: number[];
  /** WEBHOOK_DISABLE_AFTER: an endpoint failing for this long (default 24h) is disabled and its administrators emailed. */
  disableAfterMs: number;
  /** WEBHOOK_CONNECT_TIMEOUT (default 5s) and WEBHOOK_TIMEOUT, the whole attempt (default 15s). */
  connectTimeoutMs: number;
  timeoutMs: number;
  /** WEBHOOK_MAX_RESPONSE_BYTES: read at most this much of a receiver's answer (default 64 KiB), then hang up. */
  maxResponseBytes: number;
  /** WEBHOOK_POLL_INTERVAL: how often an idle worker looks for due deliveries (default 500ms). */
  pollIntervalMs: number;
  /** WEBHOOK_SWEEP_INTERVAL: how often the safety net releases a waiting delivery left with nothing before it (default 30s). */
  sweepIntervalMs: number;
  /** WEBHOOK_CONCURRENCY: deliveries one instance attempts at once (default 10). */
  concurrency: number;
  /** SECRET_KEY (formerly WEBHOOK_SECRET_KEY): 32 bytes (base64 or hex) that encrypt signing secrets at rest; unset: stored as is. */
  secretKey: Buffer | undefined;
  /** WEBHOOK_SECRET_OVERLAP: how long the previous secret still signs after a rotation (default 24h). */
  secretOverlapMs: number;
}

export class ConfigError extends Error {}

/**
 * The environment with the `.env` file of the working folder (or the file LATCHKEY_ENV_FILE names)
 * under it: what the process was given wins, the file fills the rest. The server and the CLI both
 * start from it, so a CLI run beside a server finds the same PUBLIC_URL, PORT and database.
 */
export function environmentWithEnvFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { env: NodeJS.ProcessEnv; envFile: string | null } {
  const named = env.LATCHKEY_ENV_FILE;
  const path = resolve(cwd, named ?? ".env");
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`LATCHKEY_ENV_FILE names ${path}, which does not exist`);
    return { env, envFile: null };
  }
  let fromFile: Record<string, string>;
  try {
    fromFile = parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
  } catch (error) {
    throw new ConfigError(`Cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { env: { ...fromFile, ...env }, envFile: path };
}

/** The one line both the server and the CLI print when PUBLIC_URL fell back to its default. */
export function publicUrlWarning(config: Pick<Config, "publicUrl" | "publicUrlDefaulted">): string | null {
  return config.publicUrlDefaulted
    ? `PUBLIC_URL is not set, so every link in an email starts with ${config.publicUrl}. Set PUBLIC_URL (in the environment or in .env, which the server and the CLI both read) to the address users reach.`
    : null;
}

/** The only reader of process.env. Refuses to start with a message naming each wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(ConfigSchema.shape).flatMap((key) => (env[key] === undefined || env[key] === "" ? [] : [[key, env[key]]])),
  );
  const parsed = ConfigSchema.safeParse(relevant);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  // One key for every secret at rest; the older name still works, but two different keys cannot both be meant.
  if (e.SECRET_KEY && e.WEBHOOK_SECRET_KEY && !e.SECRET_KEY.equals(e.WEBHOOK_SECRET_KEY)) {
    throw new ConfigError("Invalid configuration:\n  SECRET_KEY: differs from WEBHOOK_SECRET_KEY; set only SECRET_KEY, to the key the webhook secrets were encrypted with");
  }
  const secretKey = e.SECRET_KEY ?? e.WEBHOOK_SECRET_KEY;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST ?? (devMailboxEnabled({ env: e.NODE_ENV, smtpUrl: e.SMTP_URL }) ? "127.0.0.1" : "0.0.0.0"),
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    publicUrlDefaulted: e.PUBLIC_URL === undefined,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databasePoolMode: e.DATABASE_POOL_MODE,
    smtpUrl: e.SMTP_URL,
    smtpConnections: e.SMTP_CONNECTIONS,
    mailFrom: e.MAIL_FROM,
    emailRetryDelayMs: e.EMAIL_RETRY_DELAY,
    emailRetryLimit: e.EMAIL_RETRY_LIMIT,
    resetLinkTtlMs: e.RESET_LINK_TTL,
    inviteLinkTtlMs: e.INVITE_LINK_TTL,
    sessionTtlMs: e.SESSION_TTL,
    passwordMinLength: e.PASSWORD_MIN_LENGTH,
    signup: e.SIGNUP,
    registrationLimitPerHour: e.REGISTRATION_LIMIT_PER_HOUR,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === "development" && process.stdout.isTTY ? "pretty" : "json"),
    hashConcurrency: e.HASH_CONCURRENCY,
    globalRateLimitPerMinute: e.GLOBAL_RATE_LIMIT_PER_MINUTE,
    secretKey,
    webhooks: {
      allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK,
      retryDelaysMs: e.WEBHOOK_RETRY_SCHEDULE,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER,
      connectTimeoutMs: e.WEBHOOK_CONNECT_TIMEOUT,
      timeoutMs: e.WEBHOOK_TIMEOUT,
      maxResponseBytes: e.WEBHOOK_MAX_RESPONSE_BYTES,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL,
      sweepIntervalMs: e.WEBHOOK_SWEEP_INTERVAL,
      concurrency: e.WEBHOOK_CONCURRENCY,
      secretKey,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP,
    },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST, token: e.METRICS_TOKEN },
    degraded: { outboxAgeMs: e.OUTBOX_DEGRADED_AFTER, smtpResponseMs: e.SMTP_DEGRADED_AFTER },
  };
}
