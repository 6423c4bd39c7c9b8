import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database, type PoolMode } from "../../src/db/client.ts";

/** Which database the integration tests run on: PGlite unless TEST_DATABASE_URL names a PostgreSQL server. */
export const testDatabaseKind = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

/** DATABASE_POOL_MODE=transaction when TEST_DATABASE_URL is a pooler in transaction mode (scripts/pgbouncer-check.sh). */
export const testPoolMode: PoolMode = process.env.DATABASE_POOL_MODE === "transaction" ? "transaction" : "session";

/**
 * A fresh, empty database for one test file: an in-memory PGlite, or a new database on the
 * TEST_DATABASE_URL server (dropped again by `drop`).
 */
export async function createTestDatabase(): Promise<{ database: Database; url: string | undefined; drop(): Promise<void> }> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({ dataDir: "memory://" });
    return { database, url: undefined, drop: async () => {} };
  }
  const name = `latchkey_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 10, poolMode: testPoolMode });
  return {
    database,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
