import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Executor } from "../../src/db/client.ts";
import type { Member } from "../../src/features/access/linked-company-access.ts";
import { markMultiCompany } from "../../src/features/linked-companies/link-company.ts";
import { listManagedCompanies } from "../../src/features/linked-companies/list-managed-companies.ts";
import { createCompany, createUser } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/**
 * Issue 4: the managed companies page costs what its page costs, not what the installation holds.
 * Its access rule once checked "the parent is a live multi-company profile" against each row's
 * parent, and PostgreSQL answered that by hashing every multi-company profile: a scan of the whole
 * companies table on every page. The plans are read through an executor that explains each statement
 * listManagedCompanies sends instead of running it.
 */
const LINKED = 300;
const OTHERS = 4_000;

let t: TestApp;
let members: Member[];

async function plansOf(member: Member): Promise<string[]> {
  const plans: string[] = [];
  const explaining = {
    execute: async (query: SQL) => {
      const rows = await queryRows<Record<string, string>>(t.deps.db, sql`explain ${query}`);
      plans.push(rows.map((row) => Object.values(row)[0]).join("\n"));
      return { rows: [] };
    },
  } as unknown as Executor;
  await listManagedCompanies(explaining, member, { limit: 25 });
  return plans;
}

describe(`the managed companies page among ${OTHERS.toLocaleString("en")} other companies`, () => {
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    const parent = await createCompany(t.deps, { name: "Agency" });
    await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 0, now: t.clock.now() });
    await t.deps.db.execute(sql`
      insert into companies (name, contact_email, parent_id)
      select 'Client ' || i, 'contact' || i || '@client.test', ${parent.id}::uuid from generate_series(1, ${LINKED}) as i`);
    // Other tenants, among them other multi-company profiles, as in a real installation.
    await t.deps.db.execute(sql`
      insert into companies (name, contact_email, is_multi_company)
      select 'Tenant ' || i, 'contact' || i || '@tenant.test', i % 10 = 0 from generate_series(1, ${OTHERS}) as i`);
    await t.deps.db.execute(sql`vacuum analyze companies`);
    const administrator = await createUser(t.deps, parent, { role: "administrator" });
    const manager = await createUser(t.deps, parent, { role: "manager" });
    members = [
      { userId: administrator.id, companyId: parent.id, role: "administrator" },
      { userId: manager.id, companyId: parent.id, role: "manager" },
    ];
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it("reads the page from the parent's index, never the whole companies table", async () => {
    for (const member of members) {
      const [page] = await plansOf(member);
      if (process.env.SHOW_PLANS) console.log(page);
      expect(page).toMatch(/companies_parent_name_idx/);
      expect(page).not.toMatch(/Seq Scan on companies/);
    }
  });

  it("still lists the linked companies, the first page in name order", async () => {
    const [administrator] = members;
    if (!administrator) throw new Error("no administrator");
    const { companies, total, nextCursor } = await listManagedCompanies(t.deps.db, administrator, { limit: 25 });
    expect(total).toBe(LINKED);
    expect(companies).toHaveLength(25);
    expect(companies.every((c) => c.canManage && c.parentName === "Agency")).toBe(true);
    expect(companies.map((c) => c.name)).toEqual([...companies.map((c) => c.name)].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    expect(nextCursor).not.toBeNull();
  });
});
