import type { Config } from "../../config.ts";
import { parseOptions, type CliCommand } from "../command.ts";

/** Where the data lives, without the password a DATABASE_URL may carry. */
export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `PGlite in ${config.dataDir}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.hostname}${url.port ? `:${url.port}` : ""}${url.pathname}`;
}

export const migrateCommand: CliCommand = {
  name: "migrate",
  summary: "apply pending database migrations",
  help: `Usage: latchkey migrate

Applies every pending migration (the server also does this at start-up). Several
instances on one PostgreSQL may run it at once: an advisory lock takes turns.`,
  prepare(argv) {
    parseOptions("migrate", argv, {});
    // Opening the deps applies the migrations and installs the job queue's tables: nothing more to do.
    return async (deps, io) => {
      io.out(`Migrations applied: ${describeDatabase(deps.config)} is up to date.`);
    };
  },
};
