import { buildApp } from "./app.ts";
import { ConfigError, environmentWithEnvFile, loadConfig, publicUrlWarning } from "./config.ts";
import { DataDirLockedError } from "./db/data-dir-lock.ts";
import { buildDeps, closeDeps } from "./deps.ts";
import { devMailboxEnabled } from "./features/dev-mailbox/dev-mailbox-enabled.ts";
import { startWorkers } from "./workers.ts";
import { startMetricsServer } from "./http/metrics.routes.ts";

async function main(): Promise<void> {
  const { env, envFile } = environmentWithEnvFile();
  const config = loadConfig(env);
  const deps = await buildDeps(config);
  if (envFile) deps.logger.info({ envFile }, `configuration read from the environment and ${envFile}`);
  const defaulted = publicUrlWarning(config);
  if (defaulted) deps.logger.warn(defaulted);
  const workers = await startWorkers(deps);
  const app = await buildApp(deps);
  await app.listen({ port: config.port, host: config.host });
  const metricsServer = config.metrics.port === undefined ? null : await startMetricsServer(deps, config.metrics.port);
  if (metricsServer) deps.logger.info({ host: config.metrics.host, port: metricsServer.port }, "metrics served at /metrics");
  deps.logger.info(
    { url: config.publicUrl, database: deps.database.kind, mail: deps.mailTransport.kind },
    `Latchkey is ready at ${config.publicUrl}`,
  );
  if (devMailboxEnabled(config)) {
    deps.logger.warn(
      { host: config.host },
      `Development mailbox on (no SMTP_URL): it holds every account's links, so it answers only clients on this machine's loopback address, and the server listens on ${config.host}${config.host === "127.0.0.1" ? " (set HOST to listen elsewhere)" : ""}. Set SMTP_URL to send real email.`,
    );
  }
  if (!config.secretKey) {
    // Decision 0036: without the key, secrets that must be read again are kept in the clear (or, in production, authenticator apps cannot be set up).
    deps.logger.warn(
      config.env === "production"
        ? "SECRET_KEY is not set: nobody can turn on an authenticator app, and webhook signing secrets are stored unencrypted. Set SECRET_KEY (openssl rand -base64 32) and keep it with your backups."
        : "SECRET_KEY is not set: authenticator-app keys and webhook signing secrets are stored UNENCRYPTED in the database. Fine for development; set SECRET_KEY (openssl rand -base64 32) anywhere real.",
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info({ signal }, "shutting down: finishing in-flight requests");
    // Stop taking requests and let in-flight ones finish, then the background work, then the database.
    await app.close();
    await metricsServer?.close();
    // Requests whose client went away are not held by a connection: let them finish too.
    if (!(await app.inFlight.drained(10_000))) deps.logger.warn({ requests: app.inFlight.count }, "shutting down with requests still running");
    await workers.stop();
    await closeDeps(deps);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(error);
  process.exit(1);
});
