/**
 * What the load suite reads from (and resets in) the bench database directly: accounts to sign in
 * as, ids to request, reset links with known tokens, and a clean slate between scenarios.
 */
import pg from "pg";
import { digestToken, newSecretToken } from "../src/features/auth/tokens.ts";
import { BENCH_COMPANIES } from "./fixtures.ts";

export type BenchDb = ReturnType<typeof openBenchDb>;

export function openBenchDb(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const column = async <T>(text: string, values: unknown[] = []): Promise<T[]> => (await pool.query(text, values)).rows.map((row: Record<string, T>) => Object.values(row)[0] as T);
  const companyId = async (name: string): Promise<string> => {
    const [id] = await column<string>("select id from companies where name = $1 and deleted_at is null", [name]);
    if (!id) throw new Error(`no company named ${name}: run the generators first`);
    return id;
  };
  /** Active users of a company who can sign in, by email; `offset` keeps scenarios on separate people. */
  const activeUsers = (company: string, role: string, what: "id" | "email_normalized", limit: number, offset = 0) =>
    column<string>(
      `select u.${what} from users u join companies c on c.id = u.company_id
       where c.name = $1 and u.status = 'active' and u.password_hash is not null and u.role = $2::role
       order by u.email_normalized limit $3 offset $4`,
      [company, role, limit, offset],
    );

  /**
   * The queue tables churn most (issue 21's scenarios write and delete thousands of rows a second):
   * vacuumed as autovacuum would — the test machines' PostgreSQL runs with autovacuum off, and a
   * claim that steps over a run's dead rows is slower by half.
   */
  async function vacuumQueueTables(): Promise<void> {
    await pool.query("vacuum analyze emails");
    for (const table of ["forgot_password_requests", "pgboss.job"]) {
      if ((await column<string>(`select to_regclass('${table}')::text`))[0]) await pool.query(`vacuum analyze ${table}`);
    }
  }
  return {
    companyId,
    activeUsers,
    /** The first linked company in name order: one that the group's manager 1 holds a grant for. */
    async firstGrantedLinkedCompany(): Promise<string> {
      const [id] = await column<string>(
        `select c.id from companies c join companies p on p.id = c.parent_id where p.name = $1 order by lower(c.name), c.id limit 1`,
        [BENCH_COMPANIES.group.name],
      );
      if (!id) throw new Error("no linked company");
      return id;
    },
    /**
     * Live reset links with known tokens, for users of linked companies (nobody the suite signs in
     * as). Older live links of theirs are superseded, as issuing one would.
     */
    async issueResetLinks(count: number): Promise<string[]> {
      const userIds = await column<string>(
        `select u.id from users u join companies c on c.id = u.company_id join companies p on p.id = c.parent_id
         where p.name = $1 and u.status = 'active' and u.role = 'user'
         order by u.id limit $2`,
        [BENCH_COMPANIES.group.name, count],
      );
      const tokens = userIds.map(() => newSecretToken());
      await pool.query(
        `update link_tokens set superseded_at = now()
         where user_id = any($1::uuid[]) and used_at is null and superseded_at is null and revoked_at is null and expires_at > now()`,
        [userIds],
      );
      await pool.query(
        `insert into link_tokens (user_id, purpose, token_hash, expires_at)
         select u, 'reset', t, now() + interval '1 hour' from unnest($1::uuid[], $2::text[]) as x(u, t)`,
        [userIds, tokens.map(digestToken)],
      );
      return tokens;
    },
    /** Issue 18: an authenticator app (confirmed, the key stored as is) for each of these users, or none. */
    async setTotp(emails: string[], secret: string | null): Promise<void> {
      await pool.query("delete from totp_factors where user_id in (select id from users where email_normalized = any($1))", [emails]);
      await pool.query("delete from sign_in_challenges");
      if (secret) await pool.query("insert into totp_factors (user_id, secret, confirmed_at) select id, $2, now() from users where email_normalized = any($1)", [emails, `plain:${secret}`]);
    },
    /** Rate-limit counters from earlier scenarios (and earlier runs) start every scenario at zero. */
    async clearRateLimits(): Promise<void> {
      await pool.query("delete from rate_limits");
    },
    /**
     * Every run starts from the same state: mail and jobs an earlier, interrupted run left behind are
     * dropped, and the tables are vacuumed (what autovacuum does on a live installation; a previous
     * run's sign-ins and password changes would otherwise cost the next run's index-only scans).
     */
    async startClean(): Promise<void> {
      await pool.query("vacuum analyze users, sessions, link_tokens, rate_limits");
      await vacuumQueueTables();
      await pool.query("update emails set status = 'failed', last_error = 'discarded by the bench' where status in ('queued', 'retrying')");
      const boss = await column<string>("select to_regclass('pgboss.job')::text");
      if (boss[0]) await pool.query("delete from pgboss.job where state in ('created', 'retry')");
      // An earlier run's endpoints (their receivers gone) would take a share of every event.
      const hooks = await column<string>("select to_regclass('webhook_endpoints')::text");
      if (hooks[0]) await pool.query("truncate webhook_deliveries, webhook_events, webhook_endpoints");
    },
    /**
     * The provider's tables churn (every sign-in and refresh writes rows, deleting the bench's client
     * deletes them): vacuumed and analysed before its scenarios and between them, as autovacuum
     * would on a live installation — a plan made on stale statistics could read every session to find one.
     */
    vacuumQueueTables,
    async vacuumOidcTables(): Promise<void> {
      await pool.query("vacuum analyze oidc_payloads, oidc_grants, oidc_clients");
    },
    /**
     * Waits until no email is queued and no job is runnable, so one scenario's mail does not load the
     * next (retries waiting out a back-off do not count: they cost nothing meanwhile).
     */
    async settle(timeoutMs = 120_000): Promise<number> {
      const started = performance.now();
      for (;;) {
        // Forgot-password requests waiting for their worker (issue 21), where the table exists.
        const [requests] = await column<string | null>("select to_regclass('forgot_password_requests')::text");
        const [pending] = await column<number>(
          `select (select count(*) from emails where status = 'queued')
                + (select count(*) from pgboss.job where state in ('created', 'retry', 'active') and start_after <= now())
                ${requests ? "+ (select count(*) from forgot_password_requests)" : ""}`,
        );
        if (Number(pending) === 0 || performance.now() - started > timeoutMs) return Number(pending);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    /** Where the write-ahead log stands, in bytes: the difference over a run is the WAL it wrote. */
    async walLsn(): Promise<number> {
      const [at] = await column<string>("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text");
      return Number(at);
    },
    async pendingEmails(): Promise<number> {
      const [n] = await column<string>("select count(*) from emails where status in ('queued', 'retrying')");
      return Number(n);
    },
    async countOf(table: "users" | "companies"): Promise<number> {
      const [n] = await column<string>(`select count(*) from ${table}`);
      return Number(n);
    },
    close: () => pool.end(),
  };
}
