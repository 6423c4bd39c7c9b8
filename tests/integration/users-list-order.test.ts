import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userLogins, users } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import { FORMULA_START, parseQuotedCsv } from "../support/csv.ts";
import { createCompany, createUser, signIn, type SeedCompany } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let company: SeedCompany;
let reader: TestClient;

interface Row {
  id: string;
  name: string;
  email: string;
  role: string;
  status: string;
  lastLoginAt: string | null;
  createdAt: string;
}
interface Page {
  users: Row[];
  nextCursor: string | null;
  prevCursor: string | null;
  total: number;
}

const ROLE_RANK = ["administrator", "manager", "user", "read_only"];
const STATUS_RANK = ["active", "deactivated"];
const byte = (a: string, b: string) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) as number);
const byId = (a: Row, b: Row) => byte(a.id, b.id);
const byName = (a: Row, b: Row) => byte(a.name.toLowerCase(), b.name.toLowerCase()) || byId(a, b);

/** The order each sort promises, written out independently of the SQL: ties by name (where said), then id. */
const expected: Record<string, (a: Row, b: Row) => number> = {
  name: byName,
  email: (a, b) => byte(a.email.toLowerCase(), b.email.toLowerCase()) || byId(a, b),
  role: (a, b) => ROLE_RANK.indexOf(a.role) - ROLE_RANK.indexOf(b.role) || byName(a, b),
  status: (a, b) => STATUS_RANK.indexOf(a.status) - STATUS_RANK.indexOf(b.status) || byName(a, b),
  created: (a, b) => a.createdAt.localeCompare(b.createdAt) || byId(a, b),
  // Never signed in counts as the oldest sign-in, and those are in name order.
  lastSignIn: (a, b) =>
    a.lastLoginAt === null && b.lastLoginAt === null ? byName(a, b) : a.lastLoginAt === null ? -1 : b.lastLoginAt === null ? 1 : a.lastLoginAt.localeCompare(b.lastLoginAt) || byId(a, b),
};

/** Every page, following nextCursor, then back again following prevCursor. */
async function walk(query: string, limit = 2): Promise<{ forward: Row[]; backward: Row[] }> {
  const forward: Row[] = [];
  const pages: Page[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const reply = await reader.get(`/api/v1/users?${query}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const page = reply.body as Page;
    pages.push(page);
    forward.push(...page.users);
    after = page.nextCursor;
    if (!after) break;
  }
  const backward: Row[] = [...(pages.at(-1)?.users ?? [])];
  let before = pages.at(-1)?.prevCursor ?? null;
  for (let guard = 0; before && guard < 50; guard++) {
    const reply = await reader.get(`/api/v1/users?${query}&limit=${limit}&before=${encodeURIComponent(before)}`);
    const page = reply.body as Page;
    backward.unshift(...page.users);
    before = page.prevCursor;
  }
  return { forward, backward };
}

beforeAll(async () => {
  t = await startTestApp({ worker: false });
  company = await createCompany(t.deps, { name: "Order Co" });
  const other = await createCompany(t.deps, { name: "Elsewhere" });
  await createUser(t.deps, other, { name: "Aaron Elsewhere", email: "aaron@elsewhere.test", role: "administrator" });
  const me = await createUser(t.deps, company, { role: "manager", name: "Mona Manager", email: "=mona@order.test" });
  const made = [];
  // Twins: the same name, email start, role and status, so only the id tells them apart.
  for (const [name, email, role, status] of [
    ["Twin", "twin.b@order.test", "user", "active"],
    ["Twin", "twin.a@order.test", "user", "active"],
    ["Ada Admin", "zed@order.test", "administrator", "active"],
    ["bea Reader", "bea@order.test", "read_only", "active"],
    ["Carl Gone", "carl@order.test", "user", "deactivated"],
    ["Dora Gone", "a.dora@order.test", "manager", "deactivated"],
    ["Eve", "Eve@order.test", "user", "active"],
  ] as const) {
    made.push(await createUser(t.deps, company, { name, email, role, status }));
  }
  // Equal creation times and equal sign-in times: the ties a cursor must break by id.
  const tie = new Date("2026-01-02T03:04:05.123456Z");
  for (const user of made.slice(0, 4)) await t.deps.db.update(users).set({ createdAt: tie }).where(eq(users.id, user.id));
  for (const user of made.slice(2, 5)) await t.deps.db.insert(userLogins).values({ userId: user.id, lastLoginAt: new Date("2026-02-01T00:00:00Z") });
  await t.deps.db.execute(sql`update user_logins set last_login_at = '2026-02-01 00:00:00.001001+00' where user_id = ${made[4]?.id ?? ""}::uuid`);
  reader = await signIn(t, me);
});
afterAll(async () => {
  await t?.close();
});

describe("the user list's orders", () => {
  for (const sort of Object.keys(expected)) {
    for (const dir of ["asc", "desc"] as const) {
      it(`reads every user once by ${sort} ${dir}, page after page and back again, ties broken by id`, async () => {
        const all = (await walk(`sort=${sort}&dir=${dir}&status=all`, 100)).forward;
        expect(all).toHaveLength(8);
        const compare = expected[sort] ?? byName;
        const want = [...all].sort((a, b) => (dir === "asc" ? compare(a, b) : compare(b, a))).map((u) => u.id);
        expect(all.map((u) => u.id)).toEqual(want);
        const { forward, backward } = await walk(`sort=${sort}&dir=${dir}&status=all`);
        expect(forward.map((u) => u.id)).toEqual(want);
        expect(backward.map((u) => u.id)).toEqual(want);
      });
    }
  }

  it("copies the company onto each sign-in row, so the last sign-in order reads one index", async () => {
    const rows = await t.deps.db.select({ userId: userLogins.userId, companyId: userLogins.companyId }).from(userLogins);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.companyId, row.userId).not.toBeNull();
    const [mine] = await t.deps.db.select({ companyId: userLogins.companyId }).from(userLogins).innerJoin(users, eq(users.id, userLogins.userId)).where(eq(users.email, "=mona@order.test"));
    expect(mine?.companyId).toBe(company.id);
  });

  it("filters by role, counting only that role, in any order", async () => {
    for (const sort of ["name", "email", "created", "lastSignIn"]) {
      const reply = await reader.get(`/api/v1/users?role=user&status=all&sort=${sort}`);
      expect(reply.status).toBe(200);
      expect((reply.body as Page).users.map((u) => u.role)).toEqual(["user", "user", "user", "user"]);
      expect((reply.body as Page).total).toBe(4);
    }
    const active = await reader.get("/api/v1/users?role=user&status=active");
    expect(active.body.total).toBe(3);
  });

  it.each([
    ["sort=age", "sort"],
    ["sort=NAME", "sort"],
    ["dir=up", "dir"],
    ["role=owner", "role"],
    ["role=", "role"],
  ])("refuses %s with a 400 that names the field", async (query, field) => {
    const reply = await reader.get(`/api/v1/users?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("VALIDATION_FAILED");
    expect(reply.body.error.message.toLowerCase()).toContain(field.toLowerCase());
  });

  it("refuses a search in any order but name, in words", async () => {
    for (const sort of ["email", "role", "status", "lastSignIn", "created"]) {
      const reply = await reader.get(`/api/v1/users?q=tw&sort=${sort}`);
      expect(reply.status).toBe(400);
      expect(reply.body.error).toEqual({ code: "VALIDATION_FAILED", message: "A search lists its matches by name: sort by name, or clear the search." });
    }
  });

  it("refuses a cursor of another order, or a forged one, with a 400 and never a database error", async () => {
    const page = (await reader.get("/api/v1/users?sort=email&limit=2")).body as Page;
    expect(page.nextCursor).toBeTruthy();
    const cursor = encodeURIComponent(page.nextCursor ?? "");
    for (const query of [`sort=created&after=${cursor}`, `sort=name&after=${cursor}`, `sort=role&before=${cursor}`]) {
      const reply = await reader.get(`/api/v1/users?${query}`);
      expect(reply.status, query).toBe(400);
    }
    const forge = (value: unknown) => encodeURIComponent(Buffer.from(JSON.stringify(value)).toString("base64url"));
    const id = "00000000-0000-4000-8000-000000000000";
    for (const [sort, value] of [
      ["role", ["role", 0, ["owner", "x"], id]],
      ["status", ["status", 0, ["gone", "x"], id]],
      ["created", ["created", 0, ["yesterday"], id]],
      ["lastSignIn", ["lastSignIn", 1, ["2026-13-45 99:00:00+00x"], id]],
      ["lastSignIn", ["lastSignIn", 2, ["a"], id]],
      ["email", ["email", 0, ["a"], "not-a-uuid"]],
      ["email", ["email", 0, ["a", "b", "c"], id]],
    ] as const) {
      const reply = await reader.get(`/api/v1/users?sort=${sort}&after=${forge(value)}`);
      expect(reply.status, JSON.stringify(value)).toBe(400);
      expect(reply.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("GET /api/v1/users/export.csv", () => {
  it("exports the list with its filters and order, every cell quoted, formulas defused, nobody from another company", async () => {
    const csvCompany = await createCompany(t.deps, { name: "Csv Co" });
    const admin = await createUser(t.deps, csvCompany, { role: "administrator", name: "Zoe Admin", email: "zoe@csv.test" });
    await createUser(t.deps, csvCompany, { name: '-Minus "Quoted", Comma', email: "minus@csv.test" });
    await createUser(t.deps, csvCompany, { name: "=HYPERLINK(1)", email: "@at@csv.test" });
    await createUser(t.deps, csvCompany, { name: "+Plus\nNewline", email: "plus@csv.test", role: "read_only" });
    await createUser(t.deps, csvCompany, { name: "Gone User", email: "gone@csv.test", status: "deactivated" });
    const client = await signIn(t, admin);
    const reply = await client.get<string>("/api/v1/users/export.csv?sort=email&dir=desc&status=active");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toContain("text/csv");
    const rows = parseQuotedCsv(reply.body);
    expect(rows[0]).toEqual(["name", "email", "role", "status", "last_sign_in", "created_at"]);
    expect(rows.slice(1).map((r) => r[1])).toEqual(["zoe@csv.test", "plus@csv.test", "minus@csv.test", "'@at@csv.test"]);
    for (const cell of rows.flat()) expect(cell, cell).not.toMatch(FORMULA_START);
    expect(rows.slice(1).map((r) => r[0])).toContain(`'-Minus "Quoted", Comma`);
    expect(reply.body).not.toContain("Aaron Elsewhere");
    const users = await client.get<string>("/api/v1/users/export.csv?role=read_only");
    expect(parseQuotedCsv(users.body).slice(1).map((r) => r[1])).toEqual(["plus@csv.test"]);
    const bad = await client.get("/api/v1/users/export.csv?sort=age");
    expect(bad.status).toBe(400);
    const searchOtherOrder = await client.get("/api/v1/users/export.csv?q=z&sort=email");
    expect(searchOtherOrder.status).toBe(400);
  });
});
