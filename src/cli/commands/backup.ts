import { resolve } from "node:path";
import { z } from "zod";
import { backupPglite, restorePglite } from "../../db/backup.ts";
import { CliUsageError, option, parseOptions, type CliCommand } from "../command.ts";

const FilePath = z.string().trim().min(1, "needs a file name");

const POSTGRES_REFUSAL =
  "DATABASE_URL names a PostgreSQL server: back it up with PostgreSQL's own tools (pg_dump, or base backups with WAL archiving for point-in-time recovery), as the README's \"Operating Latchkey\" explains. This command copies the embedded database (DATA_DIR).";

export const backupCommand: CliCommand = {
  name: "backup",
  summary: "copy the embedded database (PGlite) to one file; the server must be stopped",
  help: `Usage: latchkey backup --to <file>

Copies the embedded database in DATA_DIR to <file> (a gzipped tar, readable by its
owner only). PGlite is one process's database: stop the server first — a running
server holds the data folder, and the command refuses rather than copy a database
being written. The file holds password hashes, the OpenID provider's signing keys and
queued emails with their links: keep it as secret as the server. WEBHOOK_SECRET_KEY
is not in it: keep that beside it. On PostgreSQL use pg_dump (see the README).`,
  prepare(argv) {
    const values = parseOptions("backup", argv, { to: { type: "string" } });
    const to = resolve(option("backup", values, "to", FilePath, true));
    return {
      withoutDeps: async (config, io) => {
        if (config.databaseUrl) throw new CliUsageError(POSTGRES_REFUSAL);
        const { bytes } = await backupPglite(config.dataDir, to);
        io.out(`Backed up the database in ${config.dataDir} to ${to} (${Math.ceil(bytes / 1024)} KiB).`);
      },
    };
  },
};

export const restoreCommand: CliCommand = {
  name: "restore",
  summary: "restore a backup of the embedded database into an empty DATA_DIR",
  help: `Usage: latchkey restore --from <file>

Restores a file written by \`latchkey backup\` into DATA_DIR, which must not hold a
database yet (move the current one aside first). Start the server on DATA_DIR
afterwards: it applies any migration the backup lacks, and delivers the emails
that were queued when the backup was taken. Links in them work until they expire.`,
  prepare(argv) {
    const values = parseOptions("restore", argv, { from: { type: "string" } });
    const from = resolve(option("restore", values, "from", FilePath, true));
    return {
      withoutDeps: async (config, io) => {
        if (config.databaseUrl) throw new CliUsageError(POSTGRES_REFUSAL.replace("back it up with", "restore it with").replace("pg_dump", "pg_restore or psql"));
        const { users, queuedEmails } = await restorePglite(config.dataDir, from);
        io.out(`Restored ${from} into ${config.dataDir}: ${users} users, ${queuedEmails} emails waiting to be sent. Start the server to continue.`);
      },
    };
  },
};
