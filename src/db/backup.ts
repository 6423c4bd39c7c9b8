import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import { acquireDataDirLock } from "./data-dir-lock.ts";

/** A refusal the operator can act on: one line, nothing written. */
export class BackupRefusedError extends Error {}

const pgdataOf = (dataDir: string) => join(dataDir, "pgdata");

/**
 * Copies the embedded database to one gzipped tar file (PGlite's dumpDataDir). The copy is taken
 * with the data folder locked, as the server locks it: PGlite is one process's database, and a
 * copy of files a running server is writing would not be consistent, so a running server makes
 * this refuse (DataDirLockedError) rather than copy half a write. The file holds everything the
 * database does — password hashes, the OpenID provider's private signing keys, queued emails with
 * their links — and is written readable by its owner only.
 */
export async function backupPglite(dataDir: string, toFile: string): Promise<{ bytes: number }> {
  if (!existsSync(pgdataOf(dataDir))) throw new BackupRefusedError(`There is no Latchkey database in ${dataDir} (no pgdata folder): check DATA_DIR.`);
  if (existsSync(toFile)) throw new BackupRefusedError(`${toFile} exists already: choose a new file name, so that no backup is overwritten.`);
  const lock = acquireDataDirLock(dataDir);
  try {
    const client = new PGlite(pgdataOf(dataDir));
    try {
      await client.waitReady;
      // A checkpoint first: the files then hold every committed change, with nothing left to replay.
      await client.exec("checkpoint");
      const dump = await client.dumpDataDir("gzip");
      const bytes = Buffer.from(await dump.arrayBuffer());
      // Written beside, then renamed: a backup cut short by a full disk never looks complete.
      const partial = `${toFile}.partial`;
      writeFileSync(partial, bytes, { mode: 0o600 });
      renameSync(partial, toFile);
      return { bytes: bytes.length };
    } finally {
      await client.close();
    }
  } finally {
    lock.release();
  }
}

/**
 * Restores a backup into an empty data folder, and opens it once to prove it is a database. Never
 * over an existing one: the operator moves that aside first (and so keeps it until sure).
 */
export async function restorePglite(dataDir: string, fromFile: string): Promise<{ users: number; queuedEmails: number }> {
  if (!existsSync(fromFile)) throw new BackupRefusedError(`${fromFile} does not exist.`);
  if (existsSync(pgdataOf(dataDir)) && readdirSync(pgdataOf(dataDir)).length > 0) {
    throw new BackupRefusedError(`${dataDir} already holds a database: restore into an empty folder (set DATA_DIR to it), or move this one aside first.`);
  }
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDataDirLock(dataDir);
  let client: PGlite | undefined;
  try {
    const bytes = readFileSync(fromFile);
    // PGlite unpacks the archive on a stream whose errors it does not hand back: look first.
    if (!looksLikeBackup(bytes)) throw new BackupRefusedError(`${fromFile} is not a Latchkey backup PGlite can read (not a gzipped PostgreSQL data folder).`);
    const archive = new Blob([bytes]);
    try {
      client = new PGlite(pgdataOf(dataDir), { loadDataDir: archive });
      await client.waitReady;
    } catch (error) {
      throw new BackupRefusedError(`${fromFile} is not a Latchkey backup PGlite can read (${error instanceof Error ? error.message : String(error)}).`);
    }
    const [users, emails] = await Promise.all([
      client.query<{ n: number }>("select count(*)::int as n from users"),
      client.query<{ n: number }>("select count(*)::int as n from emails where status in ('queued', 'retrying')"),
    ]);
    return { users: users.rows[0]?.n ?? 0, queuedEmails: emails.rows[0]?.n ?? 0 };
  } catch (error) {
    // Nothing half-restored stays behind to be taken for a database.
    await client?.close().catch(() => {});
    client = undefined;
    rmSync(pgdataOf(dataDir), { recursive: true, force: true });
    throw error;
  } finally {
    await client?.close();
    lock.release();
  }
}

/** A gzipped tar of a PostgreSQL data folder: gzip's magic bytes, and PG_VERSION among its files. */
function looksLikeBackup(bytes: Buffer): boolean {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return false;
  try {
    return gunzipSync(bytes).includes("PG_VERSION");
  } catch {
    return false;
  }
}
