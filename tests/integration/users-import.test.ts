import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emails, linkTokens, users } from "../../src/db/schema.ts";
import { linkCompany, markMultiCompany } from "../../src/features/linked-companies/link-company.ts";
import { INVITATION_LIMITS, countInvitation } from "../../src/features/users/send-invitation.ts";
import { toCsv } from "../../src/features/csv.ts";
import { createCompany, createCompanyWithUsers, createUser, invitationTokenIn, signIn, type SeedUser } from "../support/factories.ts";
import type { TestClient } from "../support/client.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

let n = 0;
/** A domain of this test's own, fresh each time it is asked for, so no two tests share an address. */
const domain = () => `import-${++n}.test`;

const total = async (table: typeof users | typeof emails | typeof linkTokens | typeof auditEvents) => (await t.deps.db.select({ n: count() }).from(table))[0]?.n ?? 0;
/** Everything an import could write: two equal snapshots mean nothing was. */
const snapshot = async () => ({ users: await total(users), emails: await total(emails), links: await total(linkTokens), audit: await total(auditEvents) });

type Row = { line: number; ok: boolean; error?: { code: string; message: string } };
const outcomes = (rows: Row[]) => rows.map((row) => (row.ok ? "ok" : row.error?.code));

async function signedIn(role: "administrator" | "manager" = "administrator") {
  const { company, users: members } = await createCompanyWithUsers(t.deps);
  return { company, members, client: await signIn(t, members[role]) };
}

/** Asks for a preview and for an import of the same file: an import with an error must write nothing. */
async function refusedBoth(client: TestClient, csv: string) {
  const before = await snapshot();
  const preview = await client.post("/api/v1/users/import/preview", { csv });
  const imported = await client.post("/api/v1/users/import", { csv });
  expect(await snapshot()).toEqual(before);
  return { preview, imported };
}

describe("POST /api/v1/users/import/preview and /import", () => {
  it("previews without writing, then creates each user and emails each an invitation over SMTP, with an audit row each", async () => {
    const { client, company } = await signedIn();
    const d = domain();
    // Any column order and case, a byte order mark, CRLF, quoted cells, an export's extra columns.
    const csv = `\uFEFFEmail,ROLE,Name,status\r\nada@${d},manager,"Lovelace, Ada",invited\r\n"Bob@${d.toUpperCase()}",,Bob,active\r\ncy@${d},Read only,"Cy ""the quiet"" Young",\r\n`;
    const before = await snapshot();
    const preview = await client.post("/api/v1/users/import/preview", { csv });
    expect(preview.status).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(preview.body).toMatchObject({ valid: 3, invalid: 0, ignoredColumns: ["status"], invitationsLeft: INVITATION_LIMITS.perActor.limit });
    expect(preview.body.rows).toEqual([
      { line: 2, name: "Lovelace, Ada", email: `ada@${d}`, role: "manager", ok: true },
      { line: 3, name: "Bob", email: `Bob@${d.toUpperCase()}`, role: "user", ok: true },
      { line: 4, name: 'Cy "the quiet" Young', email: `cy@${d}`, role: "read_only", ok: true },
    ]);

    const reply = await client.post("/api/v1/users/import", { csv });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ created: 3, failed: 0 });
    const created = await t.deps.db.select().from(users).where(eq(users.companyId, company.id));
    expect(created.filter((u) => u.emailNormalized.endsWith(d.toLowerCase())).map((u) => [u.name, u.role, u.passwordHash]).sort()).toEqual([
      ["Bob", "user", null],
      ['Cy "the quiet" Young', "read_only", null],
      ["Lovelace, Ada", "manager", null],
    ]);
    for (const address of [`ada@${d}`, `bob@${d}`, `cy@${d}`]) {
      const message = await t.smtp.waitFor({ to: address, subject: /invited/ });
      expect(() => invitationTokenIn(message.text)).not.toThrow();
    }
    const audit = await t.deps.db.select().from(auditEvents).where(eq(auditEvents.action, "user.created"));
    for (const row of reply.body.rows) expect(audit.some((event) => event.targetUserId === row.userId)).toBe(true);
  });

  it("reads back a file the export wrote: its formula guard is undone, and exported users are told they exist", async () => {
    const { client } = await signedIn();
    const d = domain();
    const csv = toCsv(["name", "email", "role"], [["=SUM(A1)", `sum@${d}`, "user"], ["+Plus, -Minus", `plus@${d}`, "user"]]);
    expect(csv).toContain("'=SUM");
    const preview = await client.post("/api/v1/users/import/preview", { csv });
    expect(preview.body.rows.map((row: { name: string }) => row.name)).toEqual(["=SUM(A1)", "+Plus, -Minus"]);
    expect((await client.post("/api/v1/users/import", { csv })).body.created).toBe(2);

    const exported = await client.request("GET", "/api/v1/users/export.csv");
    const again = await refusedBoth(client, exported.body as string);
    expect(again.preview.body.invalid).toBe(again.preview.body.rows.length);
    expect(new Set(outcomes(again.preview.body.rows))).toEqual(new Set(["EMAIL_TAKEN"]));
    expect(again.imported.status).toBe(422);
  });

  it("says what is wrong with each row, and an import of the file writes nothing and answers 422 with the rows", async () => {
    const { client, members } = await signedIn();
    const other = await createCompanyWithUsers(t.deps);
    const d = domain();
    const long = "x".repeat(201);
    const lines = [
      "name,email,role",
      `Good One,good@${d},user`, // 2
      `Too,many,cells,here`, // 3
      `,blank@${d},user`, // 4: no name
      `${long},long@${d},user`, // 5
      `Bad Mail,not-an-address,user`, // 6
      `Spaced,"a b@${d}",user`, // 7
      `Unknown,unknown@${d},owner`, // 8
      `Boss,boss@${d},administrator`, // 9: administrators come from the operator only
      `Twice,twice@${d},user`, // 10
      `Twice Again,TWICE@${d},user`, // 11: the same address in another case
      `Taken Here,${members.user.email},user`, // 12
      `Taken Elsewhere,${other.users.manager.email.toUpperCase()},user`, // 13: another company's user
      `"Bell\u0007Name",bell@${d},user`, // 14
      `"Over\u202Eride",override@${d},user`, // 15
      `Nul,"nul\u0000@${d}",user`, // 16
      `Short`, // 17
    ];
    const before = await snapshot();
    const otherBefore = await t.deps.db.select().from(users).where(eq(users.companyId, other.company.id));
    const { preview, imported } = await refusedBoth(client, lines.join("\n"));
    expect(preview.status).toBe(200);
    expect(preview.body.rows.map((row: Row) => [row.line, row.ok ? "ok" : row.error?.code])).toEqual([
      [2, "ok"],
      [3, "CELLS_MISMATCH"],
      [4, "NAME_INVALID"],
      [5, "NAME_INVALID"],
      [6, "EMAIL_INVALID"],
      [7, "EMAIL_INVALID"],
      [8, "ROLE_UNKNOWN"],
      [9, "ROLE_NOT_ALLOWED"],
      [10, "ok"],
      [11, "EMAIL_REPEATED"],
      [12, "EMAIL_TAKEN"],
      [13, "EMAIL_TAKEN"],
      [14, "NAME_INVALID"],
      [15, "NAME_INVALID"],
      [16, "EMAIL_INVALID"],
      [17, "CELLS_MISMATCH"],
    ]);
    expect(preview.body).toMatchObject({ valid: 2, invalid: 14 });
    const message = (line: number) => preview.body.rows.find((row: Row) => row.line === line)?.error?.message;
    expect(message(9)).toBe("You cannot give the role administrator. You may give: manager, user, read_only.");
    expect(message(11)).toBe("This address is already on line 10.");
    expect(message(8)).toMatch(/administrator, manager, user, read_only/);
    expect(imported.status).toBe(422);
    expect(imported.body.error.code).toBe("IMPORT_ROWS_INVALID");
    expect(imported.body.error.message).toBe("14 rows have errors; nobody was imported. Correct the file and try again.");
    expect(outcomes(imported.body.error.details.rows)).toEqual(outcomes(preview.body.rows));
    expect(await snapshot()).toEqual(before);
    expect(await t.deps.db.select().from(users).where(eq(users.companyId, other.company.id))).toEqual(otherBefore);
  });

  it("lets a manager import users and read-only users but not managers, by the access rules", async () => {
    const { client } = await signedIn("manager");
    const d = domain();
    const { preview, imported } = await refusedBoth(client, `name,email,role\nUsual,usual@${d},user\nPeer,peer@${d},manager\nLooker,looker@${d},read_only\n`);
    expect(outcomes(preview.body.rows)).toEqual(["ok", "ROLE_NOT_ALLOWED", "ok"]);
    expect(preview.body.rows[1].error.message).toBe("You cannot give the role manager. You may give: user, read_only.");
    expect(imported.status).toBe(422);
    expect((await client.post("/api/v1/users/import", { csv: `name,email,role\nUsual,usual@${d},user\nLooker,looker@${d},read_only\n` })).body.created).toBe(2);
  });

  it("previews a file of exactly 1,000 users in one answer, with one look-up of the taken addresses", async () => {
    const { client } = await signedIn();
    const d = domain();
    const csv = `name,email\n${Array.from({ length: 1000 }, (_, i) => `Person ${i},p${i}@${d}`).join("\n")}`;
    const started = Date.now();
    const preview = await client.post("/api/v1/users/import/preview", { csv });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ valid: 1000, invalid: 0 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses a file it cannot read, in words, writing nothing", async () => {
    const { client } = await signedIn();
    const d = domain();
    const cases: Array<[string, number, string, RegExp]> = [
      ["", 422, "IMPORT_FILE_INVALID", /empty/],
      ["\uFEFF\r\n\r\n", 422, "IMPORT_FILE_INVALID", /empty/],
      ["name,email,role\n", 422, "IMPORT_FILE_INVALID", /no users/],
      [`Ada,ada@${d},user\n`, 422, "IMPORT_FILE_INVALID", /name and email/],
      [`name,role\nAda,user\n`, 422, "IMPORT_FILE_INVALID", /name and email/],
      [`name,email,email\nAda,a@${d},b@${d}\n`, 422, "IMPORT_FILE_INVALID", /twice/],
      [`name,email\n"Ada,ada@${d}\n`, 422, "IMPORT_FILE_INVALID", /^Line 2: A quoted cell is never closed/],
      [`name,email\n"Ada"x,ada@${d}\n`, 422, "IMPORT_FILE_INVALID", /^Line 2: Text follows a closing quote/],
      [`name,email\n${Array.from({ length: 1001 }, (_, i) => `U${i},u${i}@${d}`).join("\n")}`, 413, "PAYLOAD_TOO_LARGE", /1,001 users.*at most 1,000/],
      [`name,email\nA,a@${d},${"x".repeat(256 * 1024)}`, 400, "VALIDATION_FAILED", /larger than 256 KB/],
    ];
    for (const [csv, status, code, words] of cases) {
      const { preview, imported } = await refusedBoth(client, csv);
      for (const reply of [preview, imported]) {
        expect(reply.status, JSON.stringify(csv.slice(0, 40))).toBe(status);
        expect(reply.body.error.code).toBe(code);
        expect(reply.body.error.message).toMatch(words);
      }
    }
  });

  it("answers every malformed request in words, never a 500, and takes no company from the body", async () => {
    const { client, company } = await signedIn();
    const other = await createCompanyWithUsers(t.deps);
    const bodies: unknown[] = [undefined, {}, { csv: 42 }, { csv: ["name,email"] }, { csv: null }, "name,email", [], { csv: "name,email\nA,a@x.test", companyId: other.company.id }];
    for (const body of bodies) {
      const before = await snapshot();
      for (const path of ["/api/v1/users/import/preview", "/api/v1/users/import"]) {
        const reply = await client.post(path, body);
        expect(reply.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(reply.body.error.code).toBe("VALIDATION_FAILED");
      }
      expect(await snapshot()).toEqual(before);
    }
    // Half a surrogate pair, a zero-width joiner, a name of nothing but marks: answered, never a 500.
    const odd = await client.post("/api/v1/users/import", { csv: `name,email\n"Half \ud800 pair",half@${domain()}\n"Zero\u200dWidth",zwj@${domain()}\n` });
    expect(odd.status, JSON.stringify(odd.body)).toBe(200);
    expect(odd.body.created).toBe(2);
    // A body past the route's limit is refused before it is read.
    const huge = await client.post("/api/v1/users/import", { csv: "\u0000".repeat(200_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    // Separators other than a comma, as spreadsheets in many locales save.
    const d = domain();
    const semi = await client.post("/api/v1/users/import/preview", { csv: `name;email;role\r"Semi; Colon";semi@${d};user\r` });
    expect(semi.body.rows).toEqual([{ line: 2, name: "Semi; Colon", email: `semi@${d}`, role: "user", ok: true }]);
    expect((await t.deps.db.select({ n: count() }).from(users).where(eq(users.companyId, company.id)))[0]?.n).toBe(6);
  });

  it("imports into the company the session acts in: a manager switched into a linked company they manage, and no other after the grant is gone", async () => {
    const parent = await createCompany(t.deps, { name: "Import Agency" });
    expect(await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 3, now: t.clock.now() })).toEqual({ ok: true });
    const linked = await createCompany(t.deps, { name: "Import Client" });
    expect(await linkCompany(t.deps.db, { parentId: parent.id, childId: linked.id, now: t.clock.now() })).toEqual({ ok: true });
    const admin = await signIn(t, await createUser(t.deps, parent, { role: "administrator" }));
    const member = await createUser(t.deps, parent, { role: "manager" });
    expect((await admin.put(`/api/v1/users/${member.id}/managed-companies/${linked.id}`)).status).toBe(200);
    const manager = await signIn(t, member);
    expect((await manager.post("/api/v1/session/switch", { companyId: linked.id })).status).toBe(200);
    const d = domain();
    const reply = await manager.post("/api/v1/users/import", { csv: `name,email\nClient Person,person@${d}\n` });
    expect(reply.body.created).toBe(1);
    const [made] = await t.deps.db.select().from(users).where(eq(users.id, reply.body.rows[0].userId));
    expect(made?.companyId).toBe(linked.id);

    // The grant ends: the session no longer acts there, and nothing is imported into the linked company.
    expect((await admin.delete(`/api/v1/users/${member.id}/managed-companies/${linked.id}`)).status).toBeLessThan(300);
    const before = (await t.deps.db.select({ n: count() }).from(users).where(eq(users.companyId, linked.id)))[0]?.n;
    const after = await manager.post("/api/v1/users/import", { csv: `name,email\nLate Person,late@${d}\n` });
    const [late] = await t.deps.db.select().from(users).where(eq(users.emailNormalized, `late@${d}`));
    expect(late?.companyId ?? null, JSON.stringify(after.body)).not.toBe(linked.id);
    expect((await t.deps.db.select({ n: count() }).from(users).where(eq(users.companyId, linked.id)))[0]?.n).toBe(before);
  });

  it("refuses read-only users and users (403), deactivated and signed-out callers (401), writing nothing", async () => {
    const { members } = await signedIn();
    const csv = `name,email\nSneaky,sneaky@${domain()}\n`;
    for (const role of ["read_only", "user"] as const) {
      const client = await signIn(t, members[role]);
      const { preview, imported } = await refusedBoth(client, csv);
      expect([preview.status, imported.status]).toEqual([403, 403]);
      expect(imported.body.error.code).toBe("FORBIDDEN");
    }
    const anonymous = t.client();
    const { preview, imported } = await refusedBoth(anonymous, csv);
    expect([preview.status, imported.status]).toEqual([401, 401]);
    const manager = await signIn(t, members.manager);
    const admin = await signIn(t, members.administrator);
    expect((await admin.post(`/api/v1/users/${members.manager.id}/deactivate`)).status).toBe(200);
    const gone = await refusedBoth(manager, csv);
    expect(gone.imported.status).toBe(401);
  });

  it("reports the rows an hourly invitation limit stops (decision 0020), creating only those within it", async () => {
    const { client, members } = await signedIn();
    const d = domain();
    const sender: SeedUser = members.administrator;
    // The administrator has sent all but one of this hour's invitations.
    await t.deps.db.transaction(async (tx) => {
      for (let i = 0; i < INVITATION_LIMITS.perActor.limit - 1; i++) await countInvitation(tx, { actorUserId: sender.id, companyId: `elsewhere-${i}`, recipientEmail: `r${i}@elsewhere.test` }, t.clock.now());
    });
    const csv = `name,email\nFirst,first@${d}\nSecond,second@${d}\nThird,third@${d}\n`;
    // The preview says so beforehand, counting nothing.
    for (let i = 0; i < 2; i++) expect((await client.post("/api/v1/users/import/preview", { csv })).body).toMatchObject({ valid: 3, invitationsLeft: 1 });
    const before = await total(users);
    const reply = await client.post("/api/v1/users/import", { csv });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ created: 1, failed: 2 });
    expect(outcomes(reply.body.rows)).toEqual(["ok", "RATE_LIMITED", "RATE_LIMITED"]);
    expect(reply.body.rows[1].error.message).toMatch(/Try again in/);
    expect(await total(users)).toBe(before + 1);
    expect((await client.post("/api/v1/users/import/preview", { csv: `name,email\nFourth,fourth@${d}\n` })).body.invitationsLeft).toBe(0);
    expect(await createUser(t.deps, { id: members.user.companyId, name: "x" }, { email: `second@${d}` })).toBeTruthy();
  });
});
