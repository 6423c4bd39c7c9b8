import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bossExecutor, openDatabase, preparedStatement, queryRows, type Database, type PoolMode } from "../../src/db/client.ts";
import { users } from "../../src/db/schema.ts";

/**
 * DATABASE_POOL_MODE=transaction (decision 0046): behind a pooler in transaction mode every statement
 * must be unnamed, since the next transaction may run on a server connection that never prepared it.
 * With a pool of one connection, pg_prepared_statements on that connection lists every named
 * statement Latchkey left there: none in transaction mode, the hot paths' in session mode (the
 * control, so the test can tell the two apart). Needs PostgreSQL: PGlite ignores names.
 */
const serverUrl = process.env.TEST_DATABASE_URL || undefined;

const hotPath = preparedStatement<{ n: number }, { n: number }>("test_unnamed_hot_path", sql`select ${sql.placeholder("n")}::int + 1 as n`);
const hotPathWithTable = preparedStatement<{ count: number }, Record<string, never>>("test_unnamed_users", sql`select count(*)::int as count from users`);

describe.skipIf(!serverUrl)("statements under DATABASE_POOL_MODE", () => {
  const name = `latchkey_test_${randomBytes(6).toString("hex")}`;
  let url: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const parsed = new URL(serverUrl!);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    // The users table, for a drizzle query and a statement against a real table.
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query("create table users (id uuid primary key, email text)");
    await setup.end();
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  /** Runs every way Latchkey sends a statement, twice, then reads what that one connection holds prepared. */
  async function preparedAfterWork(poolMode: PoolMode): Promise<string[]> {
    const database: Database = await openDatabase({ databaseUrl: url, poolSize: 1, poolMode });
    try {
      for (let i = 0; i < 2; i++) {
        expect(await hotPath(database.db, { n: i })).toEqual([{ n: i + 1 }]);
        expect(await hotPathWithTable(database.db, {})).toEqual([{ count: 0 }]);
        // Drizzle's query builder, and a transaction's connection (prepared per handle).
        await database.db.select({ id: users.id }).from(users).limit(1);
        await database.db.transaction(async (tx) => {
          expect(await hotPath(tx, { n: 10 })).toEqual([{ n: 11 }]);
          // pg-boss's statements in the caller's transaction (named pgboss_… in session mode).
          await bossExecutor(tx).executeSql("select $1::text as queue", ["email"]);
        });
      }
      const rows = await queryRows<{ name: string }>(database.db, sql`select name from pg_prepared_statements order by name`);
      return rows.map((row) => row.name);
    } finally {
      await database.close();
    }
  }

  it("transaction: nothing stays prepared on the connection, and pg-boss may not LISTEN", async () => {
    expect(await preparedAfterWork("transaction")).toEqual([]);
    const database = await openDatabase({ databaseUrl: url, poolSize: 1, poolMode: "transaction" });
    expect(database.listenNotify).toBe(false);
    await database.close();
  });

  it("session (the default): the hot paths and pg-boss's insert stay prepared, and pg-boss LISTENs", async () => {
    const names = await preparedAfterWork("session");
    expect(names).toContain("test_unnamed_hot_path");
    expect(names).toContain("test_unnamed_users");
    expect(names.some((n) => n.startsWith("pgboss_"))).toBe(true);
    const database = await openDatabase({ databaseUrl: url, poolSize: 1 });
    expect(database.listenNotify).toBe(true);
    await database.close();
  });
});
