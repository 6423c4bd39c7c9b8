import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, type SQLWrapper } from "drizzle-orm";
import { queryRows } from "../../src/db/client.ts";
import type { ScopeActor } from "../../src/features/access/company-scope.ts";
import { countUsers, selectUserPage, type UserFilter } from "../../src/features/users/users.queries.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, signIn, type SeedCompany } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/**
 * PRODUCT.md section 4: the list "stays fast with 100,000 users in one company". Fast here means
 * the plan reads an index, never the whole users table, for the first page, any later page in
 * either direction, and a search.
 */
const BIG = 100_000;

let t: TestApp;
let big: SeedCompany;
let actor: ScopeActor;
let client: TestClient;

async function plan(query: SQLWrapper): Promise<string> {
  const rows = await queryRows<Record<string, string>>(t.deps.db, sql`explain ${query}`);
  return rows.map((row) => Object.values(row)[0]).join("\n");
}

function expectIndexOnly(text: string) {
  if (process.env.SHOW_PLANS) console.log(text);
  expect(text).not.toMatch(/Seq Scan on users/);
  expect(text).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
}

const all: UserFilter = { prefix: undefined, status: "all" };
const middle = { nameSort: "8", id: "80000000-0000-4000-8000-000000000000" };

describe(`the user list with ${BIG.toLocaleString("en")} users in one company`, () => {
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    big = await createCompany(t.deps, { name: "Big Co" });
    // Other tenants share the table, as they would in a real installation.
    const neighbours = await Promise.all([1, 2, 3, 4].map(() => createCompany(t.deps)));
    await t.deps.db.execute(sql`
      insert into users (company_id, email, email_normalized, name, name_sort)
      select ${big.id}::uuid, 'member' || i || '@big.test', 'member' || i || '@big.test', md5(i::text), md5(i::text)
      from generate_series(1, ${BIG}) as i`);
    for (const [n, neighbour] of neighbours.entries()) {
      await t.deps.db.execute(sql`
        insert into users (company_id, email, email_normalized, name, name_sort)
        select ${neighbour.id}::uuid, 'n${sql.raw(String(n))}.' || i || '@other.test', 'n${sql.raw(String(n))}.' || i || '@other.test', md5('n' || i), md5('n' || i)
        from generate_series(1, 5000) as i`);
    }
    // What autovacuum does on a live installation: statistics, and the visibility map index-only scans need.
    await t.deps.db.execute(sql`vacuum analyze users`);
    const admin = await createUser(t.deps, big, { role: "administrator", name: "Zz Admin" });
    actor = { userId: admin.id, companyId: big.id, actingCompanyId: big.id, grantId: null };
    client = await signIn(t, admin);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it("reads the first page from an index", async () => {
    expectIndexOnly(await plan(selectUserPage(t.deps.db, actor, all, { key: null, direction: "forward", limit: 26 })));
    expectIndexOnly(await plan(selectUserPage(t.deps.db, actor, { ...all, status: "active" }, { key: null, direction: "forward", limit: 26 })));
  });

  it("counts the whole company for the total in under a second", async () => {
    // 100,000 of the table's 120,000 rows match: the count reads users_company_status_idx, whose
    // deduplicated entries make it small (next test), in ~5-10 ms on PostgreSQL; PGlite is slower.
    for (const status of ["all", "active"] as const) {
      const rows = await queryRows<Record<string, string>>(t.deps.db, sql`explain analyze ${countUsers(t.deps.db, actor, { ...all, status })}`);
      const text = rows.map((row) => Object.values(row)[0]).join("\n");
      if (process.env.SHOW_PLANS) console.log(text);
      const ms = Number(/Execution Time: ([\d.]+) ms/.exec(text)?.[1]);
      expect(ms).toBeLessThan(1_000);
    }
  });

  it("counts the whole company from the small (company, status) index, never the table", async () => {
    for (const status of ["all", "active", "deactivated"] as const) {
      const text = await plan(countUsers(t.deps.db, actor, { ...all, status }));
      expect(text).toMatch(/Index Only Scan using users_company_status_idx/);
      expect(text).not.toMatch(/Seq Scan|Heap Scan/);
    }
  });

  it("starts later pages at the cursor, forward and backward, from an index", async () => {
    expectIndexOnly(await plan(selectUserPage(t.deps.db, actor, all, { key: middle, direction: "forward", limit: 26 })));
    expectIndexOnly(await plan(selectUserPage(t.deps.db, actor, all, { key: middle, direction: "backward", limit: 26 })));
  });

  it("searches name and email prefixes, and counts the matches, from indexes", async () => {
    for (const prefix of ["ab1", "member123", "f"]) {
      const filter: UserFilter = { prefix, status: "all" };
      expectIndexOnly(await plan(selectUserPage(t.deps.db, actor, filter, { key: null, direction: "forward", limit: 26 })));
      expectIndexOnly(await plan(countUsers(t.deps.db, actor, filter)));
    }
  });

  it("reads a short search's email-only matches from the index of users whose email and name start differently", async () => {
    // Here every name is a digest, so every user is in that index: only the plan tells it was chosen.
    for (const prefix of ["a", "ab", "abc"]) {
      const filter: UserFilter = { prefix, status: "all" };
      expect(await plan(selectUserPage(t.deps.db, actor, filter, { key: null, direction: "forward", limit: 26 }))).toMatch(/users_company_email_only_idx/);
      expect(await plan(countUsers(t.deps.db, actor, filter))).toMatch(/users_company_email_only_idx/);
    }
    // Longer searches may match users whose email and name agree on three characters: the whole email index.
    expect(await plan(selectUserPage(t.deps.db, actor, { prefix: "memb", status: "all" }, { key: null, direction: "forward", limit: 26 }))).not.toMatch(/users_company_email_only_idx/);
  });

  it("answers the API with the right total and pages", async () => {
    const first = await client.get("/api/v1/users?limit=100");
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(BIG + 1);
    expect(first.body.users).toHaveLength(100);
    const second = await client.get(`/api/v1/users?limit=100&after=${first.body.nextCursor}`);
    expect(second.body.users[0].name > first.body.users[99].name).toBe(true);
    const search = await client.get("/api/v1/users?q=member4242");
    const found = search.body.users.map((u: { email: string }) => u.email).sort();
    expect(found).toEqual(["member4242@big.test", ...Array.from({ length: 10 }, (_, i) => `member4242${i}@big.test`)].sort());
    expect(search.body.total).toBe(11);
    expect(search.body.totalCapped).toBe(false);
    expect(first.body.totalCapped).toBe(false);
  });

  it("counts a search's matches up to 1,000 and says there are more, while the page stays exact", async () => {
    // member1, member10…19, member100…199 and so on: 11,111 matches.
    const search = await client.get("/api/v1/users?q=member1&limit=5");
    expect(search.body).toMatchObject({ total: 1_000, totalCapped: true, nextCursor: expect.any(String) });
    // Names are md5 digests here: the first page holds the matches with the smallest digests.
    const [lowest] = await queryRows<{ name: string }>(t.deps.db, sql`
      select min(name_sort) as name from users where company_id = ${big.id} and email_normalized like 'member1%'`);
    expect(search.body.users[0].name).toBe(lowest?.name);
    expect(search.body.users.every((u: { email: string }) => u.email.startsWith("member1"))).toBe(true);
  });
});
