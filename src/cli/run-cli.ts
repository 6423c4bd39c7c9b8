import pino from "pino";
import { ConfigError, environmentWithEnvFile, loadConfig, publicUrlWarning } from "../config.ts";
import { DataDirLockedError } from "../db/data-dir-lock.ts";
import { buildDeps, closeDeps, createLogger, type Deps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { CliUsageError, type CliCommand, type CliIo } from "./command.ts";
import { createCompanyCommand } from "./commands/create-company.ts";
import { demoCommand } from "./commands/demo.ts";
import { linkCompanyCommand, markMultiCompanyCommand, unlinkCompanyCommand } from "./commands/linking.ts";
import { listCompaniesCommand } from "./commands/list-companies.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { backupCommand, restoreCommand } from "./commands/backup.ts";
import { BackupRefusedError } from "../db/backup.ts";
import { pruneCommand } from "./commands/prune.ts";
import { restoreCompanyCommand } from "./commands/restore-company.ts";
import { setRoleCommand } from "./commands/set-role.ts";
import { createApiClientCommand, deleteApiClientCommand, listApiClientsCommand, rotateApiClientSecretCommand } from "./commands/api-clients.ts";
import { createClientCommand, deleteClientCommand, listClientsCommand, rotateClientSecretCommand } from "./commands/oidc-clients.ts";
import { rotateSigningKeyCommand } from "./commands/signing-keys.ts";
import { WEBHOOK_COMMANDS } from "./commands/webhooks.ts";
import { resetSecondFactorCommand } from "./commands/reset-second-factor.ts";

export const COMMANDS: CliCommand[] = [
  migrateCommand,
  createCompanyCommand,
  setRoleCommand,
  resetSecondFactorCommand,
  listCompaniesCommand,
  restoreCompanyCommand,
  markMultiCompanyCommand,
  linkCompanyCommand,
  unlinkCompanyCommand,
  demoCommand,
  pruneCommand,
  backupCommand,
  restoreCommand,
  createClientCommand,
  listClientsCommand,
  rotateClientSecretCommand,
  deleteClientCommand,
  rotateSigningKeyCommand,
  createApiClientCommand,
  listApiClientsCommand,
  rotateApiClientSecretCommand,
  deleteApiClientCommand,
  ...WEBHOOK_COMMANDS,
];

export const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: latchkey <command> [options]    (or: npm run latchkey -- <command> [options])",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `latchkey <command> --help` for a command's options. The CLI reads the same",
    "configuration as the server (DATABASE_URL, DATA_DIR, PUBLIC_URL, SMTP_URL, ...).",
    "On PGlite it needs the data folder to itself: stop the server first.",
  ].join("\n");
}

export interface RunCliOptions {
  io?: CliIo;
  /** Tests pass deps on their own database; otherwise the CLI opens what the configuration names. */
  deps?: Deps;
  env?: NodeJS.ProcessEnv;
}

/** Runs one command and returns the process exit code. Every refusal is one line on stderr. */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? consoleIo;
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(topic ? topic.help : overview());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`Unknown command "${name}". Run \`latchkey --help\` for the list.`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.help);
    return 0;
  }

  let deps = options.deps;
  try {
    const run = command.prepare(rest);
    if (typeof run !== "function") {
      await run.withoutDeps(deps?.config ?? loadConfig(options.env), io);
      return 0;
    }
    if (!deps) {
      // The same configuration as the server: the environment, then the .env file beside it.
      const config = loadConfig(environmentWithEnvFile(options.env).env);
      const defaulted = publicUrlWarning(config);
      if (defaulted) io.err(`Warning: ${defaulted}`);
      // Only warnings reach the operator's terminal, on stderr so that stdout stays the command's answer.
      deps = await buildDeps(config, { logger: createLogger("warn", pino.destination(2)) });
    }
    await run(deps, io);
    return 0;
  } catch (error) {
    if (error instanceof CliUsageError || error instanceof AppError || error instanceof ConfigError || error instanceof BackupRefusedError) {
      io.err(error.message);
    } else if (error instanceof DataDirLockedError) {
      io.err(`${error.message} The CLI cannot open a PGlite data folder while the server uses it.`);
    } else {
      io.err(`${command.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  } finally {
    if (deps && !options.deps) await closeDeps(deps);
  }
}
