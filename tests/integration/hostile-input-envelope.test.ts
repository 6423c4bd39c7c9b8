import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES } from "../../src/app.ts";
import { IMPORT_BODY_LIMIT } from "../../src/http/api/v1/users.routes.ts";
import { sessionCookieName } from "../../src/http/middleware/cookies.ts";
import { createCompanyWithUsers, signIn, snapshotCompany, type SeedCompany } from "../support/factories.ts";
import type { TestClient } from "../support/client.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";

const SESSION = sessionCookieName(TEST_PUBLIC_URL);

/** Every write route, read from the OpenAPI document, its path parameters filled with a well-formed id. */
async function writeRoutes(t: TestApp, id: string) {
  const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .map((method) => method.toUpperCase())
      .filter((method) => method !== "GET")
      .map((method) => ({ method, path: path.replace(/\{[^}]+\}/g, id) })),
  );
}

describe("the request envelope: oversized bodies, malformed cookies and CSRF tokens", () => {
  let t: TestApp;
  let company: SeedCompany;
  let admin: TestClient;
  beforeAll(async () => {
    t = await startTestApp();
    const seeded = await createCompanyWithUsers(t.deps);
    company = seeded.company;
    admin = await signIn(t, seeded.users.administrator);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers 413 to a body over the limit on every write route, with a valid session and token, and changes nothing", async () => {
    const routes = await writeRoutes(t, company.id);
    expect(routes.length).toBeGreaterThan(20);
    // The users import takes a file, so its routes allow more (decision 0050); every other route the app's limit.
    const limitOf = (path: string) => (path.startsWith("/api/v1/users/import") ? IMPORT_BODY_LIMIT : BODY_LIMIT_BYTES);
    const before = await snapshotCompany(t.deps, company.id);
    for (const route of routes) {
      const huge = JSON.stringify({ name: "x".repeat(limitOf(route.path) + 10) });
      const reply = await admin.request(route.method, route.path, huge, { "x-csrf-token": await admin.csrfToken() });
      expect(reply.status, `${route.method} ${route.path}`).toBe(413);
      expect(reply.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    }
    expect(routes.filter((route) => limitOf(route.path) !== BODY_LIMIT_BYTES)).toHaveLength(2);
    expect(await snapshotCompany(t.deps, company.id)).toEqual(before);
  });

  it("answers malformed session cookies with 401 and never 5xx, on reads and writes", async () => {
    const valid = admin.cookies.get(SESSION) ?? "";
    const csrfCookie = [...admin.cookies].find(([name]) => name.endsWith("latchkey_csrf"));
    const csrf = csrfCookie ? `${csrfCookie[0]}=${csrfCookie[1]}` : "";
    const sessionCookies = [
      "%",
      `${SESSION}=%E0%A4%A`,
      `${SESSION}=${"a".repeat(8_000)}`,
      `${SESSION}="${valid}"`,
      `${SESSION}=${valid}x`,
      `${SESSION}=${valid.slice(0, -1)}`,
      "=; ;; =x",
      `${SESSION}=\u00ff\u00fe`,
      `__proto__=1; constructor=2; ${SESSION}=__proto__`,
      `${SESSION}=; ${SESSION}=`,
    ];
    for (const bad of sessionCookies) {
      const me = await admin.request("GET", "/api/v1/auth/me", undefined, { cookie: bad });
      expect(me.status, `GET /auth/me with ${JSON.stringify(bad.slice(0, 50))}`).toBe(401);
      // The CSRF token is bound to the session cookie the request carries (decision 0017): this one's, so the session is what refuses.
      const cookie = `${bad}; ${csrf}`;
      const token = (await admin.request("GET", "/api/v1/csrf-token", undefined, { cookie })).body.token as string;
      const write = await admin.request("POST", "/api/v1/users", { name: "Nope", email: "nope@example.test", role: "user" }, { cookie, "x-csrf-token": token });
      expect(write.status, `POST /users with ${JSON.stringify(bad.slice(0, 50))}`).toBe(401);
    }
  });

  it("refuses every malformed or foreign CSRF token and secret with 403, and changes nothing", async () => {
    const token = await admin.csrfToken();
    const stranger = t.client();
    const foreign = await stranger.csrfToken();
    const session = `${SESSION}=${admin.cookies.get(SESSION) ?? ""}`;
    const secretName = [...admin.cookies.keys()].find((name) => name.endsWith("latchkey_csrf")) ?? "latchkey_csrf";
    const cases: Array<[string, string]> = [
      ["", admin.cookieHeader()],
      ["a", admin.cookieHeader()],
      ["x".repeat(10_000), admin.cookieHeader()],
      ["\u00e9\u00e9", admin.cookieHeader()],
      [token.slice(0, -1), admin.cookieHeader()],
      [`${token}x`, admin.cookieHeader()],
      [foreign, admin.cookieHeader()],
      [token, session],
      [token, `${session}; ${secretName}=%FF%FE`],
      [token, `${session}; ${secretName}=`],
      [token, `${session}; ${secretName}=${"s".repeat(5_000)}`],
    ];
    const before = await snapshotCompany(t.deps, company.id);
    for (const [csrfToken, cookie] of cases) {
      const reply = await admin.request("POST", "/api/v1/users", { name: "Forged", email: "forged@example.test", role: "user" }, { cookie, "x-csrf-token": csrfToken });
      expect(reply.status, `token ${JSON.stringify(csrfToken.slice(0, 30))}, cookie ${JSON.stringify(cookie.slice(-40))}`).toBe(403);
    }
    expect(await snapshotCompany(t.deps, company.id)).toEqual(before);
  });
});
