import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { fromPglite } from "pg-boss";
import type { ConstructorOptions, Db as IDatabase } from "pg-boss";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import { instrumentPool } from "../metrics/database-pool.ts";
import * as schema from "./schema.ts";

type Schema = typeof schema;
/** One type for both drivers: features never know which PostgreSQL they run on. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema>;
/** Either the database or an open transaction: queries accept both. */
export type Executor = Db | Tx;

export interface Database {
  kind: "pglite" | "postgres";
  db: Db;
  /** How pg-boss reaches the same database for its own work (polling, bookkeeping). */
  bossOptions: ConstructorOptions;
  /** Whether a worker may LISTEN for new jobs: not through a transaction-mode pooler (decision 0046). */
  listenNotify: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  /** PGlite data folder; "memory://" for a throw-away database. */
  dataDir?: string;
  poolSize?: number;
  /**
   * "session" (the default): each connection is Latchkey's for as long as it is open — PostgreSQL
   * itself, or a pooler in session mode. "transaction": a pooler in transaction mode (PgBouncer
   * before 1.21) may hand each transaction another server connection, so no statement is named
   * and nothing LISTENs (decision 0046).
   */
  poolMode?: PoolMode;
}

export type PoolMode = "session" | "transaction";

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10, options.poolMode ?? "session");
  return openPglite(options.dataDir ?? "./data");
}

const clientQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * A node-postgres client that runs every statement unnamed: the name of a query config (drizzle's
 * prepared queries, preparedStatement, bossExecutor) is dropped before it is sent, so PostgreSQL
 * parses each one into the unnamed statement, which lives only until the next, and a pooler in
 * transaction mode can never route an EXECUTE to a server connection that did not PARSE it.
 */
export class UnnamedStatementsClient extends pg.Client {}
Object.defineProperty(UnnamedStatementsClient.prototype, "query", {
  configurable: true,
  writable: true,
  value: function query(this: pg.Client, ...args: unknown[]) {
    const [config] = args;
    // A plain query config only: a Submittable (a pg.Query, a cursor) is passed on as it is.
    if (config !== null && typeof config === "object" && "name" in config && config.name !== undefined && !("submit" in config)) {
      const { name: _dropped, ...unnamed } = config as { name?: string };
      args[0] = unnamed;
    }
    return clientQuery.apply(this, args);
  },
});

async function openPostgres(url: string, poolSize: number, poolMode: PoolMode): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(poolMode === "transaction" ? { Client: UnnamedStatementsClient } : {}),
    // Fail fast while PostgreSQL is down instead of queueing requests forever.
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on("error", () => {});
  instrumentPool(pool);
  // Nor may a checked-out one: pg-pool listens for errors only while a client is idle, and a client
  // between two statements of a transaction gets PostgreSQL's "terminating connection" with no query
  // to hand it to — an unhandled 'error' event. With this listener the transaction's next statement
  // fails instead (→ 503, rolled back), and the pool discards the client when it is released.
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    kind: "postgres",
    db,
    // pg-boss's own pool sends its statements unnamed (client.query(text, values)) in either mode.
    bossOptions: { connectionString: url, max: Math.max(2, Math.ceil(poolSize / 4)) },
    listenNotify: poolMode === "session",
    ping: async () => {
      await pool.query("select 1");
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  let lock: DataDirLock | null = null;
  let client: PGlite;
  if (dataDir.startsWith("memory://")) {
    client = new PGlite();
  } else {
    mkdirSync(dataDir, { recursive: true });
    // PGlite has no lock of its own: two processes on one folder would corrupt it.
    lock = acquireDataDirLock(dataDir);
    client = new PGlite(`${dataDir}/pgdata`);
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: "pglite",
    db,
    bossOptions: { db: fromPglite(client), backend: "pglite" },
    listenNotify: true,
    ping: async () => {
      await client.query("select 1");
    },
    close: async () => {
      await client.close();
      lock?.release();
    },
  };
}

/** Applies pending migrations. Serialised by an advisory lock so several instances can start at once. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === "pglite") {
    await migratePglite(database.db as never, { migrationsFolder });
    return;
  }
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7406853)`);
    await migratePg(tx as never, { migrationsFolder });
  });
}

/** Names for the texts pg-boss sends through bossExecutor (its job insert, one text per queue). */
const bossStatementNames = new Map<string, string>();
/** A bound on the names handed out, should pg-boss ever vary its texts: past it, statements run unnamed. */
const BOSS_STATEMENT_NAMES = 32;

function bossStatementName(text: string): string | undefined {
  let name = bossStatementNames.get(text);
  if (!name && bossStatementNames.size < BOSS_STATEMENT_NAMES) {
    name = `pgboss_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    bossStatementNames.set(text, name);
  }
  return name;
}

/**
 * pg-boss statements run inside the caller's transaction, so a job exists only if the action
 * committed. They run as named statements, prepared once per connection like the hot paths'
 * (decision 0010): pg-boss's job insert cost PostgreSQL as much to plan (0.46 ms) as to run, and
 * every reset email and forgot-password request sends one. PGlite ignores the name, and so does
 * UnnamedStatementsClient under DATABASE_POOL_MODE=transaction (decision 0046).
 */
export function bossExecutor(tx: Executor): IDatabase {
  const { session } = tx as unknown as DrizzleInternals;
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const name = bossStatementName(text);
      const statement = session.prepareQuery({ sql: text, params: values }, undefined, name, false);
      return (await statement.execute({})) as { rows: never[] };
    },
  };
}

/** Raw SQL for the few queries the query builder cannot say well. Both drivers answer `{ rows }`. */
export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

interface PreparedQuery {
  execute(values: Record<string, unknown>): Promise<unknown>;
}

interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
  session: { prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string | undefined, arrayMode: boolean): PreparedQuery };
}

/**
 * The statement of a hot path (every login, every signed-in request), compiled once: its text is
 * built when first run, its `sql.placeholder(…)`s are filled on each call, and on PostgreSQL each
 * pooled connection parses and plans it once (a login's first statement: 0.54 → 0.22 ms of backend
 * CPU). `name` must belong to this one text (node-postgres refuses a name reused for another); PGlite
 * ignores it. Behind a pooler in transaction mode, DATABASE_POOL_MODE=transaction sends it unnamed
 * (UnnamedStatementsClient, decision 0046); PgBouncer ≥ 1.21 with max_prepared_statements keeps the names.
 */
export function preparedStatement<Row, Values extends Record<string, unknown>>(name: string, query: SQL) {
  // One prepared query per database handle (the pool, or a transaction's connection).
  const prepared = new WeakMap<object, PreparedQuery>();
  let compiled: { sql: string; params: unknown[] } | null = null;
  return async (db: Executor, values: Values): Promise<Row[]> => {
    const { dialect, session } = db as unknown as DrizzleInternals;
    let statement = prepared.get(session);
    if (!statement) {
      compiled ??= dialect.sqlToQuery(query);
      statement = session.prepareQuery(compiled, undefined, name, false);
      prepared.set(session, statement);
    }
    const result = (await statement.execute(values)) as { rows: Row[] };
    return result.rows;
  };
}
