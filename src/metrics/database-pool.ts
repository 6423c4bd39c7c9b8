import client from "prom-client";
import type pg from "pg";
import { metrics, registry } from "./metrics.ts";

/** The pools of this process (one in the server; tests open several). Read at each scrape. */
const pools = new Set<pg.Pool>();

new client.Gauge({
  name: "latchkey_db_pool_connections",
  help: "This instance's PostgreSQL pool: connections open (total), idle, and callers waiting for one (waiting).",
  labelNames: ["state"] as const,
  registers: [registry],
  collect() {
    let total = 0;
    let idle = 0;
    let waiting = 0;
    for (const pool of pools) {
      total += pool.totalCount;
      idle += pool.idleCount;
      waiting += pool.waitingCount;
    }
    this.set({ state: "total" }, total);
    this.set({ state: "idle" }, idle);
    this.set({ state: "in_use" }, total - idle);
    this.set({ state: "waiting" }, waiting);
  },
});

type Connect = (callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void) => Promise<pg.PoolClient> | undefined;

/**
 * Times every wait for a connection (pool.query and transactions both go through connect) and lists
 * the pool for the scrape. The wait is what grows first when DATABASE_POOL_SIZE is too small.
 */
export function instrumentPool(pool: pg.Pool): void {
  pools.add(pool);
  const connect = pool.connect.bind(pool) as Connect;
  (pool as unknown as { connect: Connect }).connect = (callback) => {
    const asked = performance.now();
    const observe = () => metrics.dbAcquire.observe((performance.now() - asked) / 1000);
    if (callback) {
      return connect((error, connected, done) => {
        observe();
        callback(error, connected, done);
      });
    }
    const promise = connect();
    void promise?.then(observe, observe);
    return promise;
  };
  const end = pool.end.bind(pool);
  pool.end = (() => {
    pools.delete(pool);
    return end();
  }) as typeof pool.end;
}
