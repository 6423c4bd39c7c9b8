import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { passkeys } from "../../src/db/schema.ts";
import { createSession } from "../../src/features/auth/sessions.ts";
import { markMultiCompany } from "../../src/features/linked-companies/link-company.ts";
import { sessionCookieName } from "../../src/http/middleware/cookies.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser } from "../support/factories.ts";
import { giveSecondFactors } from "../support/second-factors.ts";
import { startTestApp, TEST_PUBLIC_URL } from "../support/test-app.ts";

/**
 * Decision 0023: a name holds no character that hides or reorders what it says, or breaks it
 * across lines. Each class, every code point of it.
 */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));
const REFUSED_CLASSES: Array<[string, string[]]> = [
  ["C0 controls U+0000–U+001F", range(0x00, 0x1f)],
  ["DEL U+007F", ["\u007f"]],
  ["C1 controls U+0080–U+009F", range(0x80, 0x9f)],
  ["bidi embeddings and overrides U+202A–U+202E", range(0x202a, 0x202e)],
  ["bidi isolates U+2066–U+2069", range(0x2066, 0x2069)],
  ["line and paragraph separators U+2028 U+2029", ["\u2028", "\u2029"]],
];
const POSITIONS: Array<[string, (c: string) => string]> = [
  ["start", (c) => `${c}Nadia Name`],
  ["middle", (c) => `Nadia${c}Name`],
  ["end", (c) => `Nadia Name${c}`],
];
const hex = (c: string) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Names of real people and companies, with the marks right-to-left text legitimately carries. */
const LEGITIMATE_NAMES = [
  "\u200Fمحمد العلي", // Arabic, opened by RLM
  "شركة\u061C النور", // Arabic with ALM
  "דוד לוי\u200E (Tel Aviv)", // Hebrew, LRM before the Latin part
  "Zoë Ångström-Núñez",
  "山田 太郎",
  "김민준",
  "می\u200Cخواهم", // Persian, ZWNJ
  "Ana 👩🏽‍💻 Lima", // emoji with a ZWJ sequence
];

/** Request body fields that hold a name, and the one that only confirms one and stores nothing. */
const NAME_FIELD = /name$/i;
const NOT_STORED = new Set(["confirmName"]);
/** Every name-bearing route known when this test was written: the list read from the OpenAPI document must hold them all. */
const KNOWN = [
  "POST /api/v1/auth/register companyName",
  "POST /api/v1/auth/register name",
  "POST /api/v1/users name",
  "PATCH /api/v1/users/{id} name",
  "PATCH /api/v1/account name",
  "PATCH /api/v1/company name",
  "POST /api/v1/managed-companies name",
  "POST /api/v1/managed-companies adminName",
  "POST /api/v1/api-clients name",
];

interface NameRoute {
  method: "POST" | "PATCH" | "PUT";
  path: string;
  field: string;
  required: string[];
}

type Operation = { requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown>; required?: string[] } }> } };

const t = await startTestApp();
const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as { paths: Record<string, Record<string, Operation>> };
// Built at collection time, so that a new route with a name field gets its own tests without anyone listing it.
/**
 * Registering a passkey names it too, but its body must carry a WebAuthn answer to a challenge of
 * that session, which only a fresh ceremony produces: its name is attacked through renaming, which
 * the test below proves uses the very same schema.
 */
const CEREMONY_ONLY = new Set(["POST /api/v1/account/passkeys"]);
const nameSchemaOf = (path: string, method: string) => doc.paths[path]?.[method]?.requestBody?.content["application/json"]?.schema?.properties?.name;
const nameRoutes: NameRoute[] = Object.entries(doc.paths).flatMap(([path, operations]) =>
  Object.entries(operations).filter(([method]) => !CEREMONY_ONLY.has(`${method.toUpperCase()} ${path}`)).flatMap(([method, op]) => {
    const schema = op.requestBody?.content["application/json"]?.schema;
    const properties = Object.keys(schema?.properties ?? {});
    return properties
      .filter((p) => NAME_FIELD.test(p) && !NOT_STORED.has(p))
      .map((field) => ({ method: method.toUpperCase() as NameRoute["method"], path, field, required: schema?.required ?? [] }));
  }),
);
const label = (r: NameRoute) => `${r.method} ${r.path} ${r.field}`;
const cookieName = sessionCookieName(TEST_PUBLIC_URL);

afterAll(async () => {
  await t.close();
});

let sequence = 0;
const unique = () => `${++sequence}-${randomUUID().slice(0, 8)}`;

/** A multi-company parent's administrator, signed in, and a user of theirs to rename. */
async function freshWorld() {
  const company = await createCompany(t.deps, { name: `Names Co ${unique()}` });
  await markMultiCompany(t.deps.db, { companyId: company.id, allowance: 100, now: t.clock.now() });
  const admin = await createUser(t.deps, company, { role: "administrator" });
  const target = await createUser(t.deps, company, { role: "user" });
  const { token } = await createSession(t.deps.db, { userId: admin.id, companyId: company.id, now: t.clock.now(), ttlMs: 3_600_000, clientAddress: "10.23.0.1", userAgent: "test" });
  const client = t.client(`10.23.${sequence % 250}.${(sequence >> 8) % 250}`);
  client.cookies.set(cookieName, token);
  return { client, admin, target };
}

/** A body the route accepts, with `value` in the field under test: the other fields are plain and valid. */
function bodyFor(route: NameRoute, value: string): Record<string, unknown> {
  const body: Record<string, unknown> = { [route.field]: value };
  for (const property of route.required) {
    if (property === route.field) continue;
    if (NAME_FIELD.test(property)) body[property] = `Plain Name ${unique()}`;
    else if (/email/i.test(property)) body[property] = `names-${unique()}@example.test`;
    else if (/password/i.test(property)) body[property] = "a perfectly long passphrase 7731";
    else if (property === "role") body[property] = "user";
    else if (property === "scopes") body[property] = ["users:read"];
    else throw new Error(`${label(route)}: this test does not know how to fill "${property}"; teach bodyFor`);
  }
  return body;
}

const passkeyIds = new Map<string, string>();

/** Where the route is sent: registering is for someone signed out, from an address of their own (registrations may be limited per address). */
async function reach(route: NameRoute): Promise<{ client: TestClient; path: string }> {
  const world = await freshWorld();
  if (route.path.startsWith("/api/v1/account/passkeys/")) {
    await giveSecondFactors(t.deps, world.admin.id, { passkeys: 1 });
    const [key] = await t.deps.db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, world.admin.id));
    passkeyIds.set(world.admin.id, key?.id ?? "");
  }
  const client = route.path.includes("/auth/") ? t.client(`10.24.${sequence % 250}.${(sequence >> 8) % 250}`) : world.client;
  const path = route.path.replace(/\{([^}]+)\}/g, (_, parameter: string) => {
    if (parameter === "id" && route.path.startsWith("/api/v1/users/")) return world.target.id;
    if (parameter === "id" && route.path.startsWith("/api/v1/account/passkeys/")) return passkeyIds.get(world.admin.id) ?? "";
    throw new Error(`${label(route)}: this test does not know what to put in {${parameter}}; teach reach`);
  });
  return { client, path };
}

/** Every stored name, and every row a name-bearing route could add. */
async function digest(): Promise<string> {
  const [row] = await queryRows<{ d: string }>(t.deps.db, sql`select md5(concat_ws('|',
    (select string_agg(concat_ws(',', id, name, email, company_id), ';' order by id) from users),
    (select string_agg(concat_ws(',', id, name, parent_id), ';' order by id) from companies),
    (select string_agg(concat_ws(',', id, name), ';' order by id) from oidc_clients),
    (select string_agg(concat_ws(',', id, name), ';' order by id) from passkeys),
    (select count(*) from emails), (select count(*) from link_tokens), (select count(*) from sessions))) as d`);
  return row?.d ?? "";
}

describe("characters refused in names (decision 0023)", () => {
  it("finds every name-bearing route in the OpenAPI document", () => {
    expect(nameRoutes.map(label)).toEqual(expect.arrayContaining(KNOWN));
  });

  it("names a passkey at registration with the same schema as renaming it, which is attacked here", () => {
    expect(nameSchemaOf("/api/v1/account/passkeys", "post")).toBeDefined();
    expect(nameSchemaOf("/api/v1/account/passkeys", "post")).toEqual(nameSchemaOf("/api/v1/account/passkeys/{id}", "patch"));
  });

  for (const route of nameRoutes) {
    for (const [className, characters] of REFUSED_CLASSES) {
      it(`${label(route)}: answers 400 to ${className} at the start, middle or end, and changes nothing`, async () => {
        const { client, path } = await reach(route);
        const before = await digest();
        for (const c of characters) {
          for (const [position, place] of POSITIONS) {
            const reply = await client.write<{ error: { code: string; message: string } }>(route.method, path, bodyFor(route, place(c)), {});
            const context = `${hex(c)} at the ${position}`;
            expect(reply.status, context).toBe(400);
            expect(reply.body.error.code, context).toBe("VALIDATION_FAILED");
            expect(reply.body.error.message, context).toMatch(new RegExp(`^${route.field}: .*not allowed in a name`));
          }
        }
        expect(await digest()).toBe(before);
      });
    }

    it(`${label(route)}: accepts names in any script, with LRM, RLM, ALM, ZWJ and ZWNJ`, async () => {
      const holding = async (name: string) =>
        (await queryRows<{ n: number }>(t.deps.db, sql`select ((select count(*) from users where name = ${name}) + (select count(*) from companies where name = ${name}) + (select count(*) from oidc_clients where name = ${name}) + (select count(*) from passkeys where name = ${name}))::int as n`))[0]?.n;
      for (const name of LEGITIMATE_NAMES) {
        const { client, path } = await reach(route);
        const before = await holding(name);
        const reply = await client.write(route.method, path, bodyFor(route, name), {});
        expect(reply.status, `${name}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
        expect(await holding(name), `${name} stored as sent`).toBe((before ?? 0) + 1);
      }
    });
  }
});
