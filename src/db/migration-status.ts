import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { migrationsFolder, queryRows, type Database } from "./client.ts";

interface JournalEntry {
  when: number;
  tag: string;
}

let journal: JournalEntry[] | undefined;
/** The migrations this code was built with (drizzle's journal), read once. */
function knownMigrations(): JournalEntry[] {
  journal ??= (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as { entries: JournalEntry[] }).entries;
  return journal;
}

export interface MigrationStatus {
  /** Migrations of this code the database has not had (a failed or skipped migration, an old backup restored). */
  pending: number;
  /** Migrations applied, which is more than this code knows while a newer release runs beside it (decision 0042). */
  applied: number;
  known: number;
}

/**
 * Compared the way drizzle's migrator decides what to apply: a migration is pending when its
 * journal time is after the last one recorded in drizzle.__drizzle_migrations. One small query.
 */
export async function migrationStatus(database: Pick<Database, "db">): Promise<MigrationStatus> {
  const known = knownMigrations();
  const [row] = await queryRows<{ applied: number; last: string | number | null }>(
    database.db,
    sql`select count(*)::int as applied, max(created_at) as last from drizzle.__drizzle_migrations`,
  );
  const last = row?.last === null || row?.last === undefined ? -Infinity : Number(row.last);
  return { pending: known.filter((entry) => entry.when > last).length, applied: row?.applied ?? 0, known: known.length };
}
