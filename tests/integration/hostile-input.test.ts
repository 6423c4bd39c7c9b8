import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { companies } from "../../src/db/schema.ts";
import { createSession } from "../../src/features/auth/sessions.ts";
import { sessionCookieName } from "../../src/http/middleware/cookies.ts";
import { ROLES } from "../../src/features/access/roles.ts";
import { createCompany, createCompanyWithUsers, createUser, FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { settleForgotPasswordJobs } from "../support/password-reset.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";
import { eq } from "drizzle-orm";

/** What a request carries: a payload (text or raw bytes) and its content type, or nothing. */
interface Body {
  payload?: string | Buffer;
  contentType?: string;
}

const HOSTILE_STRINGS = [
  "", " ", "\u0000", "a\u0000b", "\r\n", "\t", "\u202Eevil", "\uFEFF", "\u200B", "\uD800", "\uDFFF",
  "'; drop table users; --", "<script>alert(1)</script>", "${jndi:ldap://x}", "../../etc/passwd", "%00", "%FF", "\\", '"',
  "null", "true", "0", "-1", "1e999", "NaN", "__proto__", "constructor", "prototype", "administrator", "read_only", "𝕒𝕕𝕞𝕚𝕟", "x".repeat(5_000),
];

/** Addresses that look like a stored one, or smuggle a second one in. */
function lookAlikes(address: string): string[] {
  const [local = "", domain = ""] = address.split("@");
  return [
    address.toUpperCase(), ` ${address} `, address.normalize("NFD"), address.replaceAll("e", "\u0435").replaceAll("a", "\u0430"),
    address.replace("@", "\uFF20"), `${local}\u200B@${domain}`, `${address}.`, `${address}\u0000`, `${address},attacker@evil.test`,
    `${address}\r\nbcc: attacker@evil.test`, `<${address}>`, `"${address}"@evil.test`, `${address}@evil.test`, `attacker@evil.test (${address})`,
    `${local}+x@${domain}`, `${local}@${domain.toUpperCase()}`, `${local}@xn--${domain}`,
  ];
}

function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate cannot be encoded: send the bytes of one, which are invalid UTF-8.
    return "%ED%A0%80";
  }
}

const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown;

function hostileValue(addresses: string[]) {
  const alike = fc.constantFrom(...addresses.flatMap(lookAlikes));
  return fc.oneof(
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: "binary", maxLength: 30 }),
    alike,
    fc.constantFrom(...addresses),
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
    // Arrays where strings belong, objects, deep nesting, huge strings.
    fc.array(fc.oneof(alike, fc.string()), { maxLength: 3 }),
    alike.map((a) => [a, "attacker@evil.test"]),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
    fc.integer({ min: 50, max: 3_000 }).map(nested),
    fc.integer({ min: 1_000, max: 60_000 }).map((n) => "a".repeat(n)),
  );
}

/** JSON written by hand, so that "__proto__" and repeated keys reach the server as keys. */
function objectText(entries: Array<[string, unknown]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
}

const PASSWORD_OK = "a perfectly long passphrase 7731";

/** A value that passes the field's validation more often than not, so the property reaches the use cases. */
function plausibleValue(field: string, addresses: string[], ids: string[]): fc.Arbitrary<unknown> {
  if (/email/i.test(field)) return fc.constantFrom(...addresses, ...addresses.flatMap(lookAlikes), "new.person@example.test", "attacker@evil.test");
  if (/password/i.test(field)) return fc.constantFrom(PASSWORD_OK, FACTORY_PASSWORD, "short");
  if (field === "role") return fc.constantFrom(...ROLES);
  if (field === "token") return fc.constantFrom("A".repeat(43), randomBytes(32).toString("base64url"));
  if (/Id$/.test(field)) return fc.constantFrom(...ids);
  return fc.constantFrom("Plain Name", "Ünïcode Näme", "x", "Not The Company Name");
}

function arbitraryBody(fields: string[], addresses: string[], ids: string[]): fc.Arbitrary<Body> {
  const value = hostileValue(addresses);
  const field = (name: string) =>
    fc.oneof({ weight: 8, arbitrary: plausibleValue(name, addresses, ids) }, { weight: 1, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) });
  const known = fc.tuple(...fields.map((name) => field(name).map((v): Array<[string, unknown]> => (v === undefined ? [] : [[name, v]]))));
  const extraKey = fc.oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "isAdmin", "role", "companyId", "userId", "id", "email", "toString"),
    fc.string({ maxLength: 12 }),
  );
  const extras = fc.array(fc.tuple(extraKey, value), { maxLength: 2 });
  const json = (payload: string): Body => ({ payload, contentType: "application/json" });
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(known, fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: extras })).map(([k, e]) => json(objectText([...k.flat(), ...e]))) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => json(JSON.stringify(v) ?? "null")) },
    { weight: 1, arbitrary: extras.map((entries) => json(`[${objectText(entries)}]`)) },
  );
}

const RAW_BODIES: Body[] = [
  { payload: Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xc0, 0xaf]), Buffer.from('"}')]), contentType: "application/json" },
  { payload: Buffer.from('\ufeff{"email":"a@b.test"}', "utf16le"), contentType: "application/json" },
  { payload: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), contentType: "application/json" },
  { payload: '{"email":"josé.victim@example.test","email":"attacker@evil.test"}', contentType: "application/json" },
  { payload: '{"__proto__":{"role":"administrator"}}', contentType: "application/json" },
  { payload: '{"constructor":{"prototype":{"isAdmin":true}}}', contentType: "application/json" },
  { payload: `${"[".repeat(20_000)}${"]".repeat(20_000)}`, contentType: "application/json" },
  { payload: `${'{"a":'.repeat(9_000)}1${"}".repeat(9_000)}`, contentType: "application/json" },
  { payload: "1e400", contentType: "application/json" },
  { payload: "", contentType: "application/json" },
  { payload: "{", contentType: "application/json" },
  { payload: '{"email":}', contentType: "application/json" },
  { payload: "email=josé.victim@example.test&email=attacker@evil.test", contentType: "application/x-www-form-urlencoded" },
  { payload: '{"email":"attacker@evil.test"}', contentType: "text/plain" },
  { payload: "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nattacker@evil.test\r\n--x--", contentType: "multipart/form-data; boundary=x" },
  { payload: '{"email":"a@b.test"}', contentType: "application/json; charset=utf-16" },
  { payload: '{"email":"a@b.test"}' },
  {},
];

function hostileSegment(ids: string[]): fc.Arbitrary<string> {
  const raw = ["", "%00", "%FF", "%", "..", "%2e%2e", "..%2F..%2F", "a".repeat(300), "00000000-0000-0000-0000-000000000000", "null", "-1", "1e309", "__proto__", "%C0%AF", "%E2%80%AE"];
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...ids) },
    fc.constantFrom(...ids).map((id) => id.toUpperCase()),
    fc.constantFrom(...ids).map((id) => encode(`{${id}}`)),
    fc.uuid(),
    fc.constantFrom(...raw),
    fc.string({ maxLength: 20 }).map(encode),
    fc.string({ unit: "binary", maxLength: 20 }).map(encode),
  );
}

function hostileQuery(names: string[], addresses: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...names, "__proto__", "constructor", "q[]", "limit[$gt]", "toString"), fc.string({ maxLength: 8 }).map(encode));
  const value = fc.oneof(
    fc.constantFrom("%FF", "%", "%C3%28", "-1", "0", "1e309", "999999999999", "NaN", "true", "", "%00", "active", "deactivated", "all"),
    fc.constantFrom(...addresses.flatMap(lookAlikes)).map(encode),
    fc.string({ maxLength: 20 }).map(encode),
    fc.string({ unit: "binary", maxLength: 20 }).map(encode),
    fc.integer().map(String),
    fc.integer({ min: 200, max: 4_000 }).map((n) => "a".repeat(n)),
  );
  const pairs = fc.array(fc.tuple(key, value), { maxLength: 6 }).map((list) => (list.length ? `?${list.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));
  return fc.oneof(fc.constant(""), pairs);
}

interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query: string[];
  body: Record<string, unknown> | null;
}

/** Every route of the OpenAPI document the app generates from its route schemas. */
async function listRoutes(t: TestApp): Promise<Route[]> {
  const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      method: method.toUpperCase() as Route["method"],
      path,
      query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
      body: op.requestBody?.content["application/json"]?.schema?.properties ?? null,
    })),
  );
}

// Built at collection time so that each route gets its own test.
const t = await startTestApp();
const routes = await listRoutes(t);
const cookieName = sessionCookieName(TEST_PUBLIC_URL);
const NUM_RUNS = 25;

interface Actor {
  name: string;
  cookie: string;
  csrf: string;
}

/** Everything that a refused request must leave exactly as it was (audit rows and rate-limit counters may grow). */
async function digest(): Promise<string> {
  const [row] = await queryRows<{ d: string }>(t.deps.db, sql`select md5(concat_ws('|',
    (select string_agg(concat_ws(',', id, email, name, role, status, password_hash, company_id, deactivated_at), ';' order by id) from users),
    (select string_agg(concat_ws(',', id, name, contact_email, phone, address, parent_id, is_multi_company, deleted_at), ';' order by id) from companies),
    (select string_agg(concat_ws(',', id, team_member_id, company_id), ';' order by id) from management_grants),
    (select string_agg(concat_ws(',', id, used_at, superseded_at, revoked_at), ';' order by id) from link_tokens),
    (select string_agg(concat_ws(',', id, revoked_at, acting_company_id), ';' order by id) from sessions),
    (select count(*) from emails))) as d`);
  return row?.d ?? "";
}

const storedAddresses = async () => new Set((await queryRows<{ email: string }>(t.deps.db, sql`select email from users`)).map((r) => r.email));
const emailRows = () => queryRows<{ id: string; to_address: string }>(t.deps.db, sql`select id, to_address from emails`);

describe("hostile input on every API route", () => {
  let anonymous: Actor;
  let victim: SeedUser;
  let pool: string[];
  const seenEmails = new Set<string>();

  /** A fresh company per route and actor, its administrator a parent of a linked company, so every route can be reached. */
  async function freshAdministrator(): Promise<{ actor: Actor; ids: string[] }> {
    const { company, users } = await createCompanyWithUsers(t.deps, { name: `Hostile Co ${randomUUID()}` });
    await t.deps.db.update(companies).set({ isMultiCompany: true }).where(eq(companies.id, company.id));
    const linked = await createCompany(t.deps, { name: `Hostile Linked ${randomUUID()}`, parentId: company.id });
    const linkedUser = await createUser(t.deps, linked, { role: "manager" });
    const { token } = await createSession(t.deps.db, { userId: users.administrator.id, companyId: company.id, now: t.clock.now(), ttlMs: 3_600_000, clientAddress: "10.66.0.1", userAgent: "test" });
    const csrf = await csrfFor(`${cookieName}=${token}`);
    const ids = [users.administrator.id, users.manager.id, users.user.id, users.read_only.id, company.id, linked.id, linkedUser.id, victim.id, victim.companyId];
    return { actor: { name: "administrator", ...csrf }, ids };
  }

  async function csrfFor(cookie: string): Promise<{ cookie: string; csrf: string }> {
    const reply = await t.app.inject({ method: "GET", url: "/api/v1/csrf-token", headers: cookie ? { cookie } : {} });
    const csrfCookie = reply.cookies.find((c) => c.name.endsWith("latchkey_csrf"));
    if (!csrfCookie) throw new Error("no CSRF cookie");
    return { cookie: [cookie, `${csrfCookie.name}=${csrfCookie.value}`].filter(Boolean).join("; "), csrf: reply.json().token as string };
  }

  beforeAll(async () => {
    anonymous = { name: "anonymous", ...(await csrfFor("")) };
    // An account of another company whose address the look-alikes imitate.
    const other = await createCompany(t.deps, { name: "Victim Co" });
    victim = await createUser(t.deps, other, { role: "administrator", email: "josé.victim@example.test" });
    pool = [...(await storedAddresses())];
    for (const row of await emailRows()) seenEmails.add(row.id);
  });
  afterAll(async () => {
    await t.close();
  });

  /** New emails since the last look go only to addresses stored on an account before or after the request. */
  async function expectMailOnlyToStoredAddresses(storedBefore: Set<string>, context: string) {
    const storedAfter = await storedAddresses();
    for (const row of await emailRows()) {
      if (seenEmails.has(row.id)) continue;
      seenEmails.add(row.id);
      if (!storedBefore.has(row.to_address) && !storedAfter.has(row.to_address)) throw new Error(`${context}: mail to ${JSON.stringify(row.to_address)}, which no account stores`);
    }
  }

  async function send(route: Route, actor: Actor, segments: string[], query: string, body: Body, withCsrf: boolean) {
    let i = 0;
    const path = route.path.replace(/\{[^}]+\}/g, () => segments[i++] ?? "x");
    const write = route.method !== "GET";
    return t.app.inject({
      method: route.method,
      url: `${path}${query}`,
      remoteAddress: "10.66.0.9",
      headers: {
        cookie: actor.cookie,
        ...(write && withCsrf ? { "x-csrf-token": actor.csrf } : {}),
        ...(body.contentType ? { "content-type": body.contentType } : {}),
      },
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
    });
  }

  it("answers 400 to a NUL or another control character in a search box, a mailbox filter or a page cursor", async () => {
    const { actor } = await freshAdministrator();
    const cursor = (nameSort: string) => Buffer.from(JSON.stringify([nameSort, randomUUID()])).toString("base64url");
    const urls = [
      "/api/v1/users?q=%00",
      "/api/v1/users?q=ma%00r",
      "/api/v1/users?q=%1F",
      `/api/v1/users?after=${cursor("a\u0000b")}`,
      `/api/v1/users?before=${cursor("\u0000")}`,
      "/api/v1/managed-companies?q=%00",
      "/api/v1/managed-companies?q=acme%00",
      `/api/v1/managed-companies?after=${cursor("acme\u0000")}`,
    ];
    for (const url of urls) {
      const reply = await t.app.inject({ method: "GET", url, headers: { cookie: actor.cookie } });
      expect(reply.statusCode, url).toBe(400);
      expect(reply.json(), url).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
    }
    // The same routes still answer an ordinary search.
    expect((await t.app.inject({ method: "GET", url: "/api/v1/users?q=ma", headers: { cookie: actor.cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/managed-companies?q=hostile", headers: { cookie: actor.cookie } })).statusCode).toBe(200);
  });

  for (const route of routes) {
    for (const actorName of ["administrator", "anonymous"] as const) {
      it(`never answers 5xx, changes nothing when refused, and mails only stored addresses: ${route.method} ${route.path} as ${actorName}`, async () => {
        const fresh = actorName === "administrator" ? await freshAdministrator() : { actor: anonymous, ids: [victim.id, victim.companyId] };
        const segmentCount = (route.path.match(/\{/g) ?? []).length;
        const bodies = route.method === "GET" ? fc.constant<Body>({}) : fc.oneof({ weight: 4, arbitrary: arbitraryBody(route.body ? Object.keys(route.body) : [], pool, fresh.ids) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) });
        await fc.assert(
          fc.asyncProperty(
            fc.array(hostileSegment(fresh.ids), { minLength: segmentCount, maxLength: segmentCount }),
            hostileQuery(route.query, pool),
            bodies,
            // Now and then without the CSRF token: most runs should get past it.
            fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
            async (segments, query, body, noCsrf) => {
              // A "forgot password" accepted in an earlier run writes its link and email from a job:
              // let it finish first, or its writes would look like this run's.
              if (route.path === "/api/v1/auth/forgot-password") await settleForgotPasswordJobs(t);
              const storedBefore = await storedAddresses();
              const before = await digest();
              const reply = await send(route, fresh.actor, segments, query, body, !noCsrf);
              const context = `${route.method} ${route.path} ${segments.join("/")} ${query.slice(0, 200)} → ${reply.statusCode} ${reply.body.slice(0, 300)}`;
              expect(reply.statusCode, context).toBeLessThan(500);
              if (reply.statusCode >= 400) {
                expect(await digest(), `refused but changed data: ${context}`).toBe(before);
                // Every refusal speaks the contract's error shape, whichever layer refused.
                expect(reply.json(), context).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
              }
              await expectMailOnlyToStoredAddresses(storedBefore, context);
            },
          ),
          { numRuns: NUM_RUNS },
        );
        // "Forgot password" writes its email in a job: look again once the jobs are done.
        await settleForgotPasswordJobs(t);
        await expectMailOnlyToStoredAddresses(await storedAddresses(), `${route.method} ${route.path} (jobs)`);
      });
    }
  }
});
