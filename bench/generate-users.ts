/**
 * One company with many users, for the users-list benchmark.
 *   DATA_DIR=/tmp/latchkey-bench node bench/generate-users.ts [--users 100000] [--seed 1]
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_bench node bench/generate-users.ts
 * The same seed gives the same names and emails. Rows are made by generate_series inside the
 * database, a batch per statement, so 100,000 users take seconds, not minutes.
 */
import { sql } from "drizzle-orm";
import { loadConfig } from "../src/config.ts";
import { migrateDatabase, openDatabase, queryRows } from "../src/db/client.ts";
import { hashPassword } from "../src/features/auth/passwords.ts";
import { FIRST_NAMES as FIRST, LAST_NAMES as LAST } from "./names.ts";
import { BENCH_ADMIN_EMAIL, BENCH_ADMIN_PASSWORD, ensurePostgresDatabase, flags, whichDatabase } from "./support.ts";

const options = flags({ users: "100000", seed: "1", company: "Bench Co", batch: "20000" });
const total = Number(options.users);
const seed = Number(options.seed);
const batch = Number(options.batch);
const config = loadConfig();

if (config.databaseUrl) await ensurePostgresDatabase(config.databaseUrl);
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await migrateDatabase(database);
const db = database.db;

const [present] = await queryRows<{ company_id: string; users: number }>(db, sql`
  select u.company_id, (select count(*)::int from users where company_id = u.company_id) as users
  from users u where u.email_normalized = ${BENCH_ADMIN_EMAIL}`);
if (present) {
  console.log(`${whichDatabase()} already holds the bench company (${present.users} users): nothing to do.`);
  await database.close();
  process.exit(0);
}

const started = performance.now();
const passwordHash = await hashPassword(BENCH_ADMIN_PASSWORD);
const [company] = await queryRows<{ id: string }>(db, sql`insert into companies (name, contact_email) values (${options.company}, ${BENCH_ADMIN_EMAIL}) returning id`);
if (!company) throw new Error("company insert returned nothing");
await db.execute(sql`
  insert into users (company_id, email, email_normalized, name, name_sort, role, password_hash, password_changed_at)
  values (${company.id}, ${BENCH_ADMIN_EMAIL}, ${BENCH_ADMIN_EMAIL}, 'Bench Administrator', 'bench administrator', 'administrator', ${passwordHash}, now())`);

const firsts = sql.raw(`array[${FIRST.map((n) => `'${n}'`).join(",")}]`);
const lasts = sql.raw(`array[${LAST.map((n) => `'${n}'`).join(",")}]`);
for (let from = 1; from < total; from += batch) {
  const to = Math.min(total - 1, from + batch - 1);
  // Multipliers coprime with the list lengths walk every name; the seed shifts where the walk starts.
  await db.execute(sql`
    insert into users (company_id, email, email_normalized, name, name_sort, role, status, password_hash, deactivated_at, created_at, updated_at)
    select ${company.id}::uuid, p.email, lower(p.email), p.name, lower(p.name),
           (case when i % 50 = 7 then 'manager' when i % 10 = 1 then 'read_only' else 'user' end)::role,
           (case when i % 25 = 3 then 'deactivated' else 'active' end)::user_status,
           case when i % 8 = 0 then null else ${passwordHash}::text end,
           case when i % 25 = 3 then now() end,
           now() - make_interval(secs => i), now()
    from generate_series(${from}::int, ${to}::int) as i,
    lateral (select f || ' ' || l as name,
                    lower(replace(f || '.' || l, '-', '')) || '.' || i || '@bench.example' as email
             from (select (${firsts})[1 + ((i * 7919 + ${seed}::int * 7877) % ${FIRST.length})] as f,
                          (${lasts})[1 + ((i * 6271 + ${seed}::int * 7907) % ${LAST.length})] as l) as pick) as p`);
  process.stdout.write(`\r${to + 1} / ${total} users`);
}
await db.execute(sql`analyze users`);
console.log(`\n${whichDatabase()}: company "${options.company}" (${company.id}) with ${total} users in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
console.log(`Sign in as ${BENCH_ADMIN_EMAIL} / ${BENCH_ADMIN_PASSWORD}`);
await database.close();
