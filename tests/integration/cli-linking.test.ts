import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { companies, managementGrants } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { createCompany, createUser } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

async function cli(deps: Deps, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { deps, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("operator CLI: multi-company profiles", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, smtp: false });
  });
  afterAll(async () => {
    await t?.close();
  });
  const company = async (id: string) => (await t.deps.db.select().from(companies).where(eq(companies.id, id)))[0];

  it("marks a parent, links a company, and un-links it removing its grants", async () => {
    const parent = await createCompany(t.deps, { name: "Agency" });
    const child = await createCompany(t.deps, { name: "Client" });
    expect((await cli(t.deps, "link-company", "--parent", parent.id, "--company", child.id)).err).toContain("not a multi-company profile");
    const marked = await cli(t.deps, "mark-multi-company", "--id", parent.id, "--allowance", "5");
    expect(marked.code).toBe(0);
    // Successes name the companies, as the operator knows them, beside the ids they typed.
    expect(marked.out).toContain(`Company "Agency" (${parent.id}) is a multi-company profile; it may create 5 linked companies itself.`);
    expect(await company(parent.id)).toMatchObject({ isMultiCompany: true, linkedAllowance: 5 });
    const linked = await cli(t.deps, "link-company", "--parent", parent.id, "--company", child.id);
    expect(linked.code).toBe(0);
    expect(linked.out).toContain(`Company "Client" (${child.id}) is linked to "Agency" (${parent.id}).`);
    expect((await company(child.id))?.parentId).toBe(parent.id);
    const member = await createUser(t.deps, parent, { role: "manager" });
    await t.deps.db.insert(managementGrants).values({ teamMemberId: member.id, companyId: child.id });
    const unlinked = await cli(t.deps, "unlink-company", "--company", child.id);
    expect(unlinked).toMatchObject({ code: 0 });
    expect(unlinked.out).toContain(`Company "Client" (${child.id}) is un-linked; 1 management grant removed`);
    expect((await company(child.id))?.parentId).toBeNull();
    expect(await t.deps.db.select().from(managementGrants).where(eq(managementGrants.companyId, child.id))).toEqual([]);
  });

  it.each([
    [["mark-multi-company"], "--id is required"],
    [["mark-multi-company", "--id", "nope"], "--id"],
    // A negative number is a value the option refuses for what it is, not "needs a value".
    [["mark-multi-company", "--id", "00000000-0000-4000-8000-000000000000", "--allowance", "-3"], "mark-multi-company: --allowance: must be 0 or more"],
    [["mark-multi-company", "--id", "00000000-0000-4000-8000-000000000000", "--allowance", "2.5"], "--allowance: must be a whole number"],
    [["mark-multi-company", "--id", "00000000-0000-4000-8000-000000000000", "--allowance"], "--allowance needs a value"],
    [["link-company", "--parent", "00000000-0000-4000-8000-000000000000", "--company", "00000000-0000-4000-8000-000000000001"], "no live company"],
    [["unlink-company", "--company", "00000000-0000-4000-8000-000000000000"], "not linked"],
  ])("refuses %j with one line and exit code 1", async (argv, message) => {
    const run = await cli(t.deps, ...argv);
    expect(run.code).toBe(1);
    expect(run.err).toContain(message);
  });
});
