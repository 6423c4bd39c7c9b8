import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestClient } from "../support/client.ts";
import {
  createCompany,
  createUser,
  signIn,
  type SeedCompany,
} from "../support/factories.ts";
import { giveSecondFactors } from "../support/second-factors.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;

const names = (reply: { body: { users: Array<{ name: string }> } }) => reply.body.users.map((u) => u.name);

beforeAll(async () => {
  t = await startTestApp({ worker: false });
});
afterAll(async () => {
  await t?.close();
});

describe("the user list", () => {
  let company: SeedCompany;
  let reader: TestClient;
  beforeAll(async () => {
    company = await createCompany(t.deps, { name: "Search Co" });
    const me = await createUser(t.deps, company, { role: "read_only", name: "Reader Rita", email: "rita@search.test" });
    for (const [name, email] of [
      ["Alice Archer", "alice@search.test"],
      ["alan turing", "turing@search.test"],
      ["Bob Builder", "al.bob@search.test"],
      ["Percy 100%", "percy@search.test"],
      ["a_c Person", "ac@search.test"],
      ["Émile Zola", "emile@search.test"],
    ]) {
      await createUser(t.deps, company, { name, email });
    }
    await createUser(t.deps, company, { name: "Alfred Gone", email: "alfred@search.test", status: "deactivated" });
    reader = await signIn(t, me);
  });

  it("lists the company's users by name with the total, and nobody from another company", async () => {
    const reply = await reader.get("/api/v1/users");
    expect(reply.status).toBe(200);
    expect(reply.body.total).toBe(8);
    // Where "Émile" sorts depends on the database's collation; the ASCII names' order does not.
    expect(names(reply)).toContain("Émile Zola");
    expect(names(reply).filter((n) => n !== "Émile Zola")).toEqual(["a_c Person", "alan turing", "Alfred Gone", "Alice Archer", "Bob Builder", "Percy 100%", "Reader Rita"]);
    expect(reply.body.users[0]).toEqual({
      id: expect.any(String),
      name: "a_c Person",
      email: "ac@search.test",
      role: "user",
      status: "active",
      hasPassword: true,
      lastLoginAt: null,
      createdAt: expect.any(String),
    });
  });

  it("searches a case-insensitive prefix of the name or the email", async () => {
    const reply = await reader.get("/api/v1/users?q=AL");
    expect(names(reply)).toEqual(["alan turing", "Alfred Gone", "Alice Archer", "Bob Builder"]);
    expect(reply.body.total).toBe(4);
    expect(names(await reader.get("/api/v1/users?q=turing"))).toEqual(["alan turing"]);
    expect(names(await reader.get("/api/v1/users?q=ice"))).toEqual([]);
    expect(names(await reader.get(`/api/v1/users?q=${encodeURIComponent("e\u0301mile")}`))).toEqual(["Émile Zola"]);
  });

  it("treats % and _ typed in the search box as letters, not wildcards", async () => {
    expect(names(await reader.get(`/api/v1/users?q=${encodeURIComponent("a_")}`))).toEqual(["a_c Person"]);
    expect(names(await reader.get(`/api/v1/users?q=${encodeURIComponent("%")}`))).toEqual([]);
    expect(names(await reader.get(`/api/v1/users?q=${encodeURIComponent("percy 100%")}`))).toEqual(["Percy 100%"]);
    expect((await reader.get(`/api/v1/users?q=${encodeURIComponent("\\")}`)).body.total).toBe(0);
  });

  it("filters by status", async () => {
    expect(names(await reader.get("/api/v1/users?status=deactivated"))).toEqual(["Alfred Gone"]);
    const active = await reader.get("/api/v1/users?status=active&q=al");
    expect(names(active)).toEqual(["alan turing", "Alice Archer", "Bob Builder"]);
    expect(active.body.total).toBe(3);
  });

  it("pages a search whose matches come from names and from emails one at a time, both ways, in name order", async () => {
    // "Bob Builder" matches by email only: the query reads name and email matches separately.
    const expected = ["alan turing", "Alfred Gone", "Alice Archer", "Bob Builder"];
    const forward: string[] = [];
    let reply = await reader.get("/api/v1/users?q=al&limit=1");
    for (;;) {
      expect(reply.body.total).toBe(4);
      forward.push(...names(reply));
      if (!reply.body.nextCursor) break;
      reply = await reader.get(`/api/v1/users?q=al&limit=1&after=${reply.body.nextCursor}`);
    }
    expect(forward).toEqual(expected);
    const backward: string[] = [];
    for (;;) {
      backward.unshift(...names(reply));
      if (!reply.body.prevCursor) break;
      reply = await reader.get(`/api/v1/users?q=al&limit=1&before=${reply.body.prevCursor}`);
    }
    expect(backward).toEqual(expected);
  });

  it("refuses bad query parameters with 400 and a readable error", async () => {
    for (const query of ["limit=0", "limit=101", "limit=ten", "status=gone", "q=" + "x".repeat(201), "unknown=1", "q=a&q=b", "after=not-a-cursor", "after=WyJhIiwieCJd", "after=x&before=y"]) {
      const reply = await reader.get(`/api/v1/users?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error).toMatchObject({ code: "VALIDATION_FAILED", message: expect.any(String) });
    }
  });

  it("asks for a session", async () => {
    expect((await t.client().get("/api/v1/users")).status).toBe(401);
  });
});

describe("the filter \"no second factor\"", () => {
  let manager: TestClient;
  let reader: TestClient;
  beforeAll(async () => {
    const company = await createCompany(t.deps, { name: "Factor Co" });
    const boss = await createUser(t.deps, company, { role: "manager", name: "Mona Manager" });
    const withApp = await createUser(t.deps, company, { name: "Anna App" });
    const withKey = await createUser(t.deps, company, { name: "Ken Key" });
    const pending = await createUser(t.deps, company, { name: "Pat Pending" });
    const codesOnly = await createUser(t.deps, company, { name: "Cora Codes" });
    await createUser(t.deps, company, { name: "Nora None" });
    await createUser(t.deps, company, { name: "Nick None", status: "deactivated" });
    await giveSecondFactors(t.deps, withApp.id, { totp: true, recoveryCodes: 10 });
    await giveSecondFactors(t.deps, withKey.id, { passkeys: 2 });
    // An authenticator app not yet confirmed, and recovery codes alone, are no second factor (decision 0035).
    await giveSecondFactors(t.deps, pending.id, { totp: "pending" });
    await giveSecondFactors(t.deps, codesOnly.id, { recoveryCodes: 3 });
    // Another company's users without a factor never show.
    await createUser(t.deps, await createCompany(t.deps, { name: "Other Co" }), { name: "Olga Other" });
    manager = await signIn(t, boss);
    reader = await signIn(t, await createUser(t.deps, company, { role: "read_only", name: "Rita Reader" }));
    await giveSecondFactors(t.deps, boss.id, { passkeys: 1 });
  });

  it("lists only the users with neither an authenticator app nor a passkey, with the total", async () => {
    const reply = await manager.get("/api/v1/users?secondFactor=none");
    expect(reply.status).toBe(200);
    expect(names(reply)).toEqual(["Cora Codes", "Nick None", "Nora None", "Pat Pending", "Rita Reader"]);
    expect(reply.body.total).toBe(5);
  });

  it("combines with the status filter, the search and the pages", async () => {
    expect(names(await manager.get("/api/v1/users?secondFactor=none&status=active"))).toEqual(["Cora Codes", "Nora None", "Pat Pending", "Rita Reader"]);
    const search = await manager.get("/api/v1/users?secondFactor=none&q=n");
    expect(names(search)).toEqual(["Nick None", "Nora None"]);
    expect(search.body.total).toBe(2);
    const first = await manager.get("/api/v1/users?secondFactor=none&limit=2");
    expect(names(first)).toEqual(["Cora Codes", "Nick None"]);
    const second = await manager.get(`/api/v1/users?secondFactor=none&limit=2&after=${first.body.nextCursor}`);
    expect(names(second)).toEqual(["Nora None", "Pat Pending"]);
  });

  it("is refused to those who may not see second factors (403), and refuses an unknown value (400)", async () => {
    const refused = await reader.get("/api/v1/users?secondFactor=none");
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    expect((await manager.get("/api/v1/users?secondFactor=some")).status).toBe(400);
    expect((await manager.get("/api/v1/users?secondFactor=")).status).toBe(400);
  });
});

describe("searching by email", () => {
  let reader: TestClient;
  beforeAll(async () => {
    const company = await createCompany(t.deps, { name: "Email Search Co" });
    const me = await createUser(t.deps, company, { role: "read_only", name: "Yves Reader", email: "yves@email-search.test" });
    for (const [name, email] of [
      // Found by email only, and the email starts nothing like the name.
      ["Bob Builder", "mar.bob@email-search.test"],
      // Found by email only for "mari": the first three characters of email and name agree.
      ["Marc Dupont", "marie.dupont@email-search.test"],
      ["Maria Rossi", "maria.rossi@email-search.test"],
      ["Zoe Martin", "zm@email-search.test"],
    ]) {
      await createUser(t.deps, company, { name, email });
    }
    reader = await signIn(t, me);
  });

  it("finds users whose email starts with the search and whose name does not, in name order, for any length of search", async () => {
    for (const [q, expected] of [
      ["m", ["Bob Builder", "Marc Dupont", "Maria Rossi"]],
      ["ma", ["Bob Builder", "Marc Dupont", "Maria Rossi"]],
      ["mar", ["Bob Builder", "Marc Dupont", "Maria Rossi"]],
      ["mari", ["Marc Dupont", "Maria Rossi"]],
      ["marie.", ["Marc Dupont"]],
      ["mar.b", ["Bob Builder"]],
      ["zm", ["Zoe Martin"]],
    ] as const) {
      const reply = await reader.get(`/api/v1/users?q=${encodeURIComponent(q)}`);
      expect(names(reply), q).toEqual(expected);
      expect(reply.body.total, q).toBe(expected.length);
    }
  });
});

describe("pagination", () => {
  let client: TestClient;
  let allIds: string[];
  beforeAll(async () => {
    const company = await createCompany(t.deps, { name: "Pages Co" });
    const me = await createUser(t.deps, company, { role: "manager", name: "Zed Manager" });
    // Three users share a name: the id breaks the tie, so none is skipped or shown twice.
    for (const name of ["Member 1", "Member 2", "Member 3", "Twin", "Twin", "Twin", "Member 7"]) await createUser(t.deps, company, { name });
    client = await signIn(t, me);
    allIds = (await client.get("/api/v1/users?limit=100")).body.users.map((u: { id: string }) => u.id);
  });

  it("walks forward and back with opaque cursors, and the total is always the whole list", async () => {
    const first = await client.get("/api/v1/users?limit=3");
    expect(names(first)).toEqual(["Member 1", "Member 2", "Member 3"]);
    expect(first.body).toMatchObject({ total: 8, prevCursor: null, nextCursor: expect.any(String) });

    const second = await client.get(`/api/v1/users?limit=3&after=${first.body.nextCursor}`);
    expect(names(second)).toEqual(["Member 7", "Twin", "Twin"]);
    expect(second.body).toMatchObject({ total: 8, prevCursor: expect.any(String), nextCursor: expect.any(String) });

    const third = await client.get(`/api/v1/users?limit=3&after=${second.body.nextCursor}`);
    expect(names(third)).toEqual(["Twin", "Zed Manager"]);
    expect(third.body).toMatchObject({ total: 8, nextCursor: null, prevCursor: expect.any(String) });

    const backToSecond = await client.get(`/api/v1/users?limit=3&before=${third.body.prevCursor}`);
    expect(backToSecond.body.users).toEqual(second.body.users);
    expect(backToSecond.body.prevCursor).toEqual(expect.any(String));
    const backToFirst = await client.get(`/api/v1/users?limit=3&before=${backToSecond.body.prevCursor}`);
    expect(backToFirst.body.users).toEqual(first.body.users);
    expect(backToFirst.body).toMatchObject({ prevCursor: null, nextCursor: expect.any(String) });
  });

  it("visits every user exactly once, one at a time, in both directions", async () => {
    const forward: string[] = [];
    let reply = await client.get("/api/v1/users?limit=1");
    for (;;) {
      forward.push(...reply.body.users.map((u: { id: string }) => u.id));
      if (!reply.body.nextCursor) break;
      reply = await client.get(`/api/v1/users?limit=1&after=${reply.body.nextCursor}`);
    }
    expect(forward).toEqual(allIds);

    const backward: string[] = [];
    for (;;) {
      backward.unshift(...reply.body.users.map((u: { id: string }) => u.id));
      if (!reply.body.prevCursor) break;
      reply = await client.get(`/api/v1/users?limit=1&before=${reply.body.prevCursor}`);
    }
    expect(backward).toEqual(allIds);
  });
});
