import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markMultiCompany } from "../../src/features/linked-companies/link-company.ts";
import type { TestClient } from "../support/client.ts";
import { FORMULA_START, parseQuotedCsv, spreadsheetCells } from "../support/csv.ts";
import { createCompany, createUser, signIn } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/**
 * Names as an attacker would choose them, and as the export must write them. Stored straight in
 * the database, as names from before decision 0023 may be (tabs and line breaks included).
 */
const HOSTILE: Array<[string, string]> = [
  ["Bob;=cmd|' /C calc'!A0;", "Bob;'=cmd|' /C calc'!A0;"],
  ['=HYPERLINK("http://evil.test","click")', '\'=HYPERLINK("http://evil.test","click")'],
  ["Ann; +1+1", "Ann; '+1+1"],
  ["Tab\t@SUM(A1)", "Tab\t'@SUM(A1)"],
  ["Line\r\n-2+3", "Line\r\n'-2+3"],
  ["\uFF1D1+1 Full-width", "'\uFF1D1+1 Full-width"],
  ['Quote; " =1', "Quote; \" '=1"],
  ["Dave,-1", "Dave,'-1"],
];

/** The export is one quoted RFC 4180 table, and no spreadsheet, whatever separator it assumes, finds a formula in it. */
function expectSafeCsv(body: string): string[][] {
  const rows = parseQuotedCsv(body);
  for (const separator of [",", ";", "\t"]) {
    for (const honourQuotes of [false, true]) {
      const formulas = spreadsheetCells(body, separator, honourQuotes).filter((cell) => FORMULA_START.test(cell));
      expect(formulas, `split by ${JSON.stringify(separator)}, ${honourQuotes ? "honouring" : "ignoring"} quotes`).toEqual([]);
    }
  }
  return rows;
}

const column = (rows: string[][], name: string) => {
  const index = rows[0]?.indexOf(name) ?? -1;
  expect(index, `column ${name}`).toBeGreaterThanOrEqual(0);
  return rows.slice(1).map((row) => row[index]);
};

describe("CSV exports neutralise formulas after any separator (issue 14)", () => {
  it("the managed companies export writes linked companies and their parent named like formulas as text", async () => {
    const parent = await createCompany(t.deps, { name: "=cmd|' /C calc'!A0; Parent" });
    await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 100, now: t.clock.now() });
    for (const [name] of HOSTILE) await createCompany(t.deps, { name, parentId: parent.id });
    const admin = await signIn(t, await createUser(t.deps, parent, { role: "administrator" }));

    const reply = await admin.get<string>("/api/v1/managed-companies/export.csv");
    expect(reply.status).toBe(200);
    const rows = expectSafeCsv(reply.body);
    expect(column(rows, "name").sort()).toEqual(HOSTILE.map(([, written]) => written).sort());
    expect(new Set(column(rows, "parent"))).toEqual(new Set(["'=cmd|' /C calc'!A0; Parent"]));
  });

  it("the audit log export writes actors, targets and companies named like formulas as text", async () => {
    const company = await createCompany(t.deps, { name: "Corp;@SUM(1+1)" });
    const admin = await createUser(t.deps, company, { role: "administrator", name: "-Admin;=1" });
    const adminBrowser = await signIn(t, admin);
    const members: TestClient[] = [];
    for (const [i, [name]] of HOSTILE.entries()) {
      // The address may hold = + - too: the actor_email and target_email columns.
      const member = await createUser(t.deps, company, { role: "user", name, email: `=cmd|calc-${i}@evil.test` });
      members.push(await signIn(t, member));
      if (i === 0) expect((await adminBrowser.post(`/api/v1/users/${member.id}/password-reset`)).status).toBe(202);
    }

    const reply = await adminBrowser.get<string>("/api/v1/audit-events/export.csv");
    expect(reply.status).toBe(200);
    const rows = expectSafeCsv(reply.body);
    const actors = new Set(column(rows, "actor"));
    for (const [, written] of HOSTILE) expect(actors.has(written), written).toBe(true);
    expect(actors.has("'-Admin;'=1")).toBe(true);
    expect(column(rows, "target")).toContain(HOSTILE[0]?.[1]);
    expect(column(rows, "actor_email")).toContain("'=cmd|calc-0@evil.test");
    expect(column(rows, "target_email")).toContain("'=cmd|calc-0@evil.test");
    expect(column(rows, "actor_company")).toContain("Corp;'@SUM(1+1)");
  });
});
