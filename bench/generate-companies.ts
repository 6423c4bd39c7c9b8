/**
 * The multi-company data set of the load suite, next to generate-users.ts's "Bench Co":
 *   Bench Group   multi-company profile, 1,000 team members (an administrator, 50 managers with
 *                 20 grants each), and 1,000 linked companies of 147 users each (147,000)
 *   Lone Group    multi-company profile with no linked companies, 853 users
 *   Small Co      1,000 users (the users search at a hundredth of Bench Co's size)
 *   Solo Co       147 users, no links (a linked company's twin)
 * With Bench Co's 100,000 that makes 250,000 users. Same seed, same names and emails; rows come from
 * generate_series inside the database, 100 companies per statement. Does nothing if Bench Group exists.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_bench node bench/generate-companies.ts [--seed 1]
 */
import { sql, type SQL } from "drizzle-orm";
import { loadConfig } from "../src/config.ts";
import { migrateDatabase, openDatabase, queryRows } from "../src/db/client.ts";
import { hashPassword } from "../src/features/auth/passwords.ts";
import { BENCH_ACCOUNTS, BENCH_COMPANIES, GRANTS_PER_MANAGER, GROUP_MANAGERS, LINKED_COMPANIES, USERS_PER_LINKED, groupManagerEmail } from "./fixtures.ts";
import { COMPANY_SUFFIXES, FIRST_NAMES, LAST_NAMES, sqlArray } from "./names.ts";
import { BENCH_ADMIN_PASSWORD, ensurePostgresDatabase, flags, whichDatabase } from "./support.ts";

const options = flags({ seed: "1" });
const seed = Number(options.seed);
const config = loadConfig();
if (config.databaseUrl) await ensurePostgresDatabase(config.databaseUrl);
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await migrateDatabase(database);

const [present] = await queryRows<{ id: string }>(database.db, sql`select id from companies where name = ${BENCH_COMPANIES.group.name} and parent_id is null`);
if (present) {
  console.log(`${whichDatabase()} already holds ${BENCH_COMPANIES.group.name}: nothing to do.`);
  await database.close();
  process.exit(0);
}

const started = performance.now();
// One transaction: a generator stopped half-way leaves nothing behind, so running it again starts clean.
await database.db.transaction(async (db) => {
  const passwordHash = await hashPassword(BENCH_ADMIN_PASSWORD);
  const firsts = sql.raw(sqlArray(FIRST_NAMES));
  const lasts = sql.raw(sqlArray(LAST_NAMES));
  const suffixes = sql.raw(sqlArray(COMPANY_SUFFIXES));

  async function insertCompany(name: string, isMultiCompany: boolean): Promise<string> {
    const [row] = await queryRows<{ id: string }>(db, sql`
      insert into companies (name, contact_email, is_multi_company) values (${name}, ${`contact@${name.toLowerCase().replace(" ", "-")}.example`}, ${isMultiCompany})
      returning id`);
    if (!row) throw new Error("company insert returned nothing");
    return row.id;
  }

  async function insertNamedUser(companyId: string, email: string, name: string, role: "administrator" | "manager") {
    await db.execute(sql`
      insert into users (company_id, email, email_normalized, name, name_sort, role, password_hash, password_changed_at)
      values (${companyId}, ${email}, ${email}, ${name}, ${name.toLowerCase()}, ${role}::role, ${passwordHash}, now())`);
  }

  /**
   * Users from `source` rows (company_id, domain, i, is_admin): like Bench Co's, 4% deactivated, 10%
   * read-only, 2% managers, 1 in 8 without a password, and a third signed in at some point.
   */
  async function insertUsers(source: SQL) {
    await db.execute(sql`
      with added as (
      insert into users (company_id, email, email_normalized, name, name_sort, role, status, password_hash, deactivated_at, created_at, updated_at)
      select r.company_id, p.email, p.email, p.name, lower(p.name),
             (case when r.is_admin then 'administrator' when r.i % 50 = 7 then 'manager' when r.i % 10 = 1 then 'read_only' else 'user' end)::role,
             (case when r.i % 25 = 3 and not r.is_admin then 'deactivated' else 'active' end)::user_status,
             case when r.i % 8 = 0 and not r.is_admin then null else ${passwordHash}::text end,
             case when r.i % 25 = 3 and not r.is_admin then now() end,
             now() - make_interval(secs => r.i), now()
      from (${source}) as r,
      lateral (select f || ' ' || l as name, lower(replace(f || '.' || l, '-', '')) || '.' || r.i || '@' || r.domain as email
               from (select (${firsts})[1 + ((r.i * 7919 + ${seed}::int * 7877) % ${FIRST_NAMES.length})] as f,
                            (${lasts})[1 + ((r.i * 6271 + ${seed}::int * 7907) % ${LAST_NAMES.length})] as l) as pick) as p
      returning id, created_at)
      -- A third signed in at some point (created_at holds i: now() - i seconds).
      insert into user_logins (user_id, last_login_at)
      select id, now() - make_interval(mins => (extract(epoch from now() - created_at)::int * 37 + ${seed}::int) % 50000)
      from added where extract(epoch from now() - created_at)::int % 3 = 0`);
  }

  const generated = (companyId: string, domain: string, count: number) =>
    sql`select ${companyId}::uuid as company_id, ${domain}::text as domain, i, false as is_admin from generate_series(1, ${count}::int) as i`;

  // The group and its team members.
  const groupId = await insertCompany(BENCH_COMPANIES.group.name, true);
  await insertNamedUser(groupId, BENCH_ACCOUNTS.groupAdmin, "Group Administrator", "administrator");
  for (let k = 1; k <= GROUP_MANAGERS; k++) await insertNamedUser(groupId, groupManagerEmail(k), `Group Manager ${k}`, "manager");
  await insertUsers(generated(groupId, BENCH_COMPANIES.group.domain, BENCH_COMPANIES.group.users - 1 - GROUP_MANAGERS));

  // Linked companies: names from the seed, numbered so they stay unique.
  await db.execute(sql`
    insert into companies (name, contact_email, parent_id, created_at)
    select (${lasts})[1 + ((n * 7 + ${seed}::int) % ${LAST_NAMES.length})] || ' ' || (${suffixes})[1 + ((n * 5 + ${seed}::int) % ${COMPANY_SUFFIXES.length})] || ' ' || n,
           'contact@l' || n || '.bench.example', ${groupId}::uuid, now() - make_interval(mins => n)
    from generate_series(1, ${LINKED_COMPANIES}::int) as n`);
  const ranked = sql`select id, row_number() over (order by lower(name), id)::int as n from companies where parent_id = ${groupId}::uuid`;
  for (let from = 1; from <= LINKED_COMPANIES; from += 100) {
    // User 0 of each linked company is its administrator; i runs on across companies so names vary
    // (and stays small enough that i * 7919 fits an int).
    await insertUsers(sql`
      select c.id as company_id, 'l' || c.n || '.bench.example' as domain, c.n * 150 + j as i, j = 0 as is_admin
      from (${ranked}) as c, generate_series(0, ${USERS_PER_LINKED - 1}::int) as j
      where c.n between ${from}::int and ${from + 99}::int`);
    process.stdout.write(`\r${Math.min(LINKED_COMPANIES, from + 99)} / ${LINKED_COMPANIES} linked companies`);
  }
  // Manager k may manage linked companies (k-1)*20+1 … k*20 in name order: manager 1 holds the first page's.
  await db.execute(sql`
    insert into management_grants (team_member_id, company_id)
    select m.id, c.id
    from (select id, substring(email from '^manager\\.(\\d+)@')::int as k from users where company_id = ${groupId}::uuid and role = 'manager' and email like 'manager.%') as m
    join (${ranked}) as c on c.n between (m.k - 1) * ${GRANTS_PER_MANAGER} + 1 and m.k * ${GRANTS_PER_MANAGER}`);

  // The companies without links.
  const loneId = await insertCompany(BENCH_COMPANIES.lone.name, true);
  await insertNamedUser(loneId, `admin@${BENCH_COMPANIES.lone.domain}`, "Lone Administrator", "administrator");
  await insertNamedUser(loneId, BENCH_ACCOUNTS.loneManager, "Lone Manager", "manager");
  await insertUsers(generated(loneId, BENCH_COMPANIES.lone.domain, BENCH_COMPANIES.lone.users - 2));
  for (const [key, admin] of [["small", BENCH_ACCOUNTS.smallAdmin], ["solo", BENCH_ACCOUNTS.soloAdmin]] as const) {
    const company = BENCH_COMPANIES[key];
    const id = await insertCompany(company.name, false);
    await insertNamedUser(id, admin, `${company.name} Administrator`, "administrator");
    await insertUsers(generated(id, company.domain, company.users - 1));
  }
  // Each company's last sign-in, as sign-ins keep it (login.ts).
  await db.execute(sql`
    update companies c set last_login_at = m.at
    from (select u.company_id, max(l.last_login_at) as at from user_logins l join users u on u.id = l.user_id group by u.company_id) as m
    where m.company_id = c.id`);
});
// What autovacuum does on a live installation: statistics, and the visibility map index-only scans rely on.
await database.db.execute(sql`vacuum analyze`);
const [counts] = await queryRows<{ users: number; companies: number; grants: number }>(database.db, sql`
  select (select count(*)::int from users) as users, (select count(*)::int from companies) as companies, (select count(*)::int from management_grants) as grants`);
console.log(`\n${whichDatabase()}: ${counts?.companies} companies, ${counts?.users} users, ${counts?.grants} grants in all, after ${((performance.now() - started) / 1000).toFixed(1)} s.`);
await database.close();
