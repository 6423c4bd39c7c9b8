import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../src/db/client.ts";
import { csrfCookieName, sessionCookieName } from "../../src/http/middleware/cookies.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, FACTORY_PASSWORD, signIn } from "../support/factories.ts";
import { linkedCompanyWithGrantedManager } from "../support/password-reset.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";

const SESSION = sessionCookieName(TEST_PUBLIC_URL);
const CSRF = csrfCookieName(TEST_PUBLIC_URL);

/** A digest of every row of every table Latchkey and pg-boss keep: two equal digests mean nothing was written. */
async function snapshotDatabase(t: TestApp): Promise<Record<string, string>> {
  const tables = await queryRows<{ schema: string; name: string }>(
    t.deps.db,
    sql`select table_schema as schema, table_name as name from information_schema.tables
        where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE' order by 1, 2`,
  );
  const digests: Record<string, string> = {};
  for (const { schema, name } of tables) {
    // pg-boss's own clock: its supervisor stamps maintained_on/cron_on here every few seconds, request or not.
    if (schema === "pgboss" && name === "version") continue;
    const [row] = await queryRows<{ digest: string }>(
      t.deps.db,
      sql.raw(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from "${schema}"."${name}" t`),
    );
    digests[`${schema}.${name}`] = row?.digest ?? "";
  }
  return digests;
}

/**
 * Spellings of one path that the router may take for the same route: percent-encoded letters
 * (lower- and upper-case hex), in the first segment and everywhere, and the shapes around it.
 */
function spellings(path: string): string[] {
  const encodeLetters = (text: string, upper: boolean) =>
    text.replace(/[a-z]/gi, (c) => {
      const hex = c.charCodeAt(0).toString(16);
      return `%${upper ? hex.toUpperCase() : hex}`;
    });
  const [, first = "", rest = ""] = /^\/([^/]+)(.*)$/.exec(path) ?? [];
  return [
    path,
    `/%61${first.slice(1)}${rest}`,
    `/${encodeLetters(first, false)}${rest}`,
    `/${first}${rest.replace(/\/v1\//, "/%76%31/")}`,
    `/${encodeLetters(first, true)}${encodeLetters(rest, true).replaceAll("%2D", "-")}`,
    `${path}?via=query`,
    `${path}/`,
    `/${path}`,
    `/${first.toUpperCase()}${rest}`,
  ];
}

describe("CSRF protection does not depend on how a path is spelt", () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof linkedCompanyWithGrantedManager>>;
  let admin: TestClient;
  let target: { id: string; email: string };
  let resetId: string;
  const routes: Array<{ method: string; path: string; body: unknown }> = [];

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    setup = await linkedCompanyWithGrantedManager(t);
    const parentAdmin = await createUser(t.deps, setup.parent, { role: "administrator" });
    target = await createUser(t.deps, setup.parent, { role: "user" });
    admin = await signIn(t, parentAdmin);
    const reset = await admin.post(`/api/v1/users/${target.id}/password-reset`);
    expect(reset.status).toBe(202);
    resetId = (await admin.get(`/api/v1/users/${target.id}/password-resets`)).body.resets[0].id;

    // A body each route would accept, so that a write which slipped through would show in the database.
    const bodies: Record<string, unknown> = {
      "POST /api/v1/auth/register": { companyName: "Forged Co", name: "Forged Admin", email: "forged.admin@example.test", password: "a long enough passphrase 9921" },
      "POST /api/v1/auth/login": { email: target.email, password: FACTORY_PASSWORD },
      "PATCH /api/v1/account": { name: "Renamed By A Forgery" },
      "POST /api/v1/account/password": { currentPassword: FACTORY_PASSWORD, newPassword: "a forged new passphrase 7781", newPasswordConfirmation: "a forged new passphrase 7781" },
      "POST /api/v1/links/inspect": { token: "x".repeat(43) },
      "POST /api/v1/links/set-password": { token: "x".repeat(43), password: "a forged new passphrase 7781", passwordConfirmation: "a forged new passphrase 7781" },
      "POST /api/v1/auth/forgot-password": { email: target.email },
      "PATCH /api/v1/company": { name: "Forged Name" },
      "POST /api/v1/company/delete": { confirmName: setup.parent.name },
      "POST /api/v1/users": { name: "Forged User", email: "forged.user@example.test", role: "user" },
      "PATCH /api/v1/users/{id}": { name: "Forged Rename" },
      "PUT /api/v1/users/{id}/role": { role: "manager" },
      "POST /api/v1/managed-companies": { name: "Forged Linked", adminName: "Forged Linked Admin", adminEmail: "forged.linked@example.test" },
      "POST /api/v1/session/switch": { companyId: setup.linked.id },
    };
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as { paths: Record<string, Record<string, unknown>> };
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
        if (method === "GET" || method === "HEAD") continue;
        const concrete = path
          .replace("{resetId}", resetId)
          .replace("{companyId}", setup.linked.id)
          // The managed-companies routes take a team member; every other {id} is a user of the company.
          .replace("{id}", path.includes("managed-companies") ? setup.member.id : target.id);
        routes.push({ method, path: concrete, body: bodies[`${method} ${path}`] });
      }
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses every write route of the OpenAPI document, however its path is spelt, without a valid token, and writes nothing", async () => {
    expect(routes.length).toBeGreaterThanOrEqual(24);
    const attacker = t.client("203.0.113.66");
    const foreignToken = await attacker.csrfToken();
    const ownSecret = [...admin.cookies].find(([name]) => name === CSRF);
    expect(ownSecret).toBeDefined();
    const session = `${SESSION}=${admin.cookies.get(SESSION) ?? ""}`;
    // What a cross-site form can send: the victim's cookies, with no token, a made-up one, or the attacker's own.
    const forgeries: Array<{ label: string; cookie: string; token?: string }> = [
      { label: "no token", cookie: admin.cookieHeader() },
      { label: "session only", cookie: session },
      { label: "a made-up token", cookie: admin.cookieHeader(), token: "A".repeat(43) },
      { label: "the attacker's token and secret", cookie: `${session}; ${CSRF}=${attacker.cookies.get(CSRF) ?? ""}`, token: foreignToken },
    ];
    const before = await snapshotDatabase(t);
    for (const route of routes) {
      for (const path of spellings(route.path)) {
        for (const forgery of forgeries) {
          const reply = await admin.request(route.method, path, route.body, { cookie: forgery.cookie, ...(forgery.token ? { "x-csrf-token": forgery.token } : {}) });
          const context = `${route.method} ${path} with ${forgery.label}`;
          expect(reply.status, context).toBe(403);
          expect(reply.body.error.code, context).toBe("CSRF_INVALID");
        }
      }
    }
    expect(await snapshotDatabase(t)).toEqual(before);
  });

  it("reaches the route through those spellings when the token is valid, so the refusals above were not the router's", async () => {
    for (const path of spellings(`/api/v1/users/${target.id}/deactivate`).slice(1, 5)) {
      const reply = await admin.post(path);
      expect(reply.status, path).toBe(200);
      expect((await admin.post(`/api/v1/users/${target.id}/restore`)).status).toBe(200);
    }
  });

  it("marks every API answer no-store, however its path is spelt, errors included", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as { paths: Record<string, Record<string, unknown>> };
    const reads = Object.entries(doc.paths)
      .filter(([, operations]) => "get" in operations)
      .map(([path]) => path.replace("{resetId}", resetId).replace("{companyId}", setup.linked.id).replace("{id}", target.id));
    expect(reads.length).toBeGreaterThan(10);
    for (const read of [...reads, "/api/v1/users/00000000-0000-4000-8000-000000000000", "/api/v1/no-such-thing"]) {
      for (const path of spellings(read)) {
        const reply = await admin.get(path);
        expect(reply.headers["cache-control"], `GET ${path} → ${reply.status}`).toBe("no-store");
      }
    }
  });
});

describe("CSRF tokens are bound to the session", () => {
  let t: TestApp;
  let victim: TestClient;
  let victimUser: { id: string; email: string };
  let attacker: TestClient;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
    const setup = await linkedCompanyWithGrantedManager(t);
    victimUser = await createUser(t.deps, setup.parent, { role: "administrator" });
    victim = await signIn(t, victimUser);
    attacker = await signIn(t, await createUser(t.deps, setup.parent, { role: "user" }), "203.0.113.7");
  });
  afterAll(async () => {
    await t?.close();
  });

  const rename = (client: TestClient, headers: Record<string, string>) => client.request("PATCH", "/api/v1/account", { name: "Renamed By Someone Else" }, headers);

  it("refuses a token made for another session, for no session, or for another secret, with the victim's session", async () => {
    const victimSession = `${SESSION}=${victim.cookies.get(SESSION) ?? ""}`;
    const anonymous = t.client("203.0.113.8");
    const anonymousToken = await anonymous.csrfToken();
    const attackerToken = await attacker.csrfToken();
    const cases: Array<[string, string, string]> = [
      ["the attacker's session token and secret", `${victimSession}; ${CSRF}=${attacker.cookies.get(CSRF) ?? ""}`, attackerToken],
      ["a token made without a session, with its secret", `${victimSession}; ${CSRF}=${anonymous.cookies.get(CSRF) ?? ""}`, anonymousToken],
      ["the attacker's token with the victim's own secret", `${victimSession}; ${CSRF}=${victim.cookies.get(CSRF) ?? ""}`, attackerToken],
      ["the victim's token with the attacker's secret", `${victimSession}; ${CSRF}=${attacker.cookies.get(CSRF) ?? ""}`, await victim.csrfToken()],
    ];
    for (const [label, cookie, token] of cases) {
      const reply = await rename(victim, { cookie, "x-csrf-token": token });
      expect(reply.status, label).toBe(403);
      expect(reply.body.error.code, label).toBe("CSRF_INVALID");
    }
    const me = await victim.get("/api/v1/auth/me");
    expect(me.body.user.name).not.toBe("Renamed By Someone Else");
    // The victim's own browser, with its own token, still writes.
    expect((await rename(victim, { "x-csrf-token": await victim.csrfToken() })).status).toBe(200);
  });

  it("gives every session its own token: no two sessions of the same secret share one", async () => {
    const browser = t.client("198.51.100.20");
    const tokens = new Set<string>([await browser.csrfToken()]);
    for (let i = 0; i < 5; i++) {
      const reply = await browser.post("/api/v1/auth/login", { email: victimUser.email, password: FACTORY_PASSWORD });
      expect(reply.status).toBe(200);
      tokens.add(await browser.csrfToken());
    }
    expect(tokens.size).toBe(6);
  });

  it("rotates the secret at sign-in and sign-out: a token from before either no longer works in that browser", async () => {
    const browser = t.client("198.51.100.21");
    const beforeLogin = await browser.csrfToken();
    const secretBeforeLogin = browser.cookies.get(CSRF);
    const login = await browser.post("/api/v1/auth/login", { email: victimUser.email, password: FACTORY_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.headers["x-csrf-renew"]).toBe("1");
    expect(browser.cookies.get(CSRF)).not.toBe(secretBeforeLogin);
    expect((await rename(browser, { "x-csrf-token": beforeLogin })).status).toBe(403);

    const signedIn = await browser.csrfToken();
    const logout = await browser.post("/api/v1/auth/logout");
    expect(logout.status).toBe(200);
    expect(logout.headers["x-csrf-renew"]).toBe("1");
    const forgot = (token: string) => browser.request("POST", "/api/v1/auth/forgot-password", { email: "someone@example.test" }, { "x-csrf-token": token });
    expect((await forgot(signedIn)).status).toBe(403);
    expect((await forgot(beforeLogin)).status).toBe(403);
    expect((await forgot(await browser.csrfToken())).status).toBe(202);
  });
});

describe("signing out over HTTPS", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("clears the session cookie with the attributes it was set with, so the browser accepts the clearing of a __Host- cookie", async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company, { role: "manager" });
    const browser = await signIn(t, user);
    const reply = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/logout",
      headers: { cookie: browser.cookieHeader(), "x-csrf-token": await browser.csrfToken() },
    });
    expect(reply.statusCode).toBe(200);
    const cleared = reply.cookies.find((cookie) => cookie.name === SESSION);
    expect(SESSION.startsWith("__Host-")).toBe(true);
    expect(cleared).toMatchObject({ value: "", path: "/", secure: true, httpOnly: true, sameSite: "Lax" });
    const renewed = reply.cookies.find((cookie) => cookie.name === CSRF);
    expect(renewed).toMatchObject({ path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
  });
});
