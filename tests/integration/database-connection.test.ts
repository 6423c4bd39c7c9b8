import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { createTestDatabase, testDatabaseKind } from "../support/test-database.ts";

const onPglite = testDatabaseKind === "pglite";

describe.skipIf(onPglite)(
  onPglite ? "a pooled connection ended by PostgreSQL — skipped: PGlite has no server to end it (runs in the postgres project)" : "a pooled connection ended by PostgreSQL",
  () => {
    let test: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      test = await createTestDatabase();
    });
    afterAll(async () => {
      await test?.drop();
    });

    it("fails the transaction that held it, without an unhandled 'error' event, and the pool carries on", async () => {
      const { db } = test.database;
      const uncaught: unknown[] = [];
      const onUncaught = (error: unknown) => uncaught.push(error);
      process.on("uncaughtException", onUncaught);
      try {
        const attempt = db.transaction(async (tx) => {
          const [me] = await queryRows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
          // What a restart or failover does to a connection between two statements of a transaction.
          // (Another pooled connection does it: on PostgreSQL the outer db may run beside a transaction.)
          await queryRows(db, sql`select pg_terminate_backend(${me?.pid})`);
          await new Promise((resolve) => setTimeout(resolve, 200));
          await tx.execute(sql`select 1`);
        });
        await expect(attempt).rejects.toThrow();
        expect(uncaught).toEqual([]);
        // The dead client left the pool: the next statements run on fresh connections.
        for (let i = 0; i < 5; i++) expect(await queryRows<{ one: number }>(db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
      } finally {
        process.off("uncaughtException", onUncaught);
      }
    });
  },
);
