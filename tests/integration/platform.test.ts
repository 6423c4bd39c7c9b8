import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const PASSWORD = "correct horse battery staple 9";

describe("the platform around the API", () => {
  let t: TestApp;
  let plain: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    plain = await startTestApp({ env: { PUBLIC_URL: "http://localhost:3999" }, smtp: false });
  });
  afterAll(async () => {
    await t?.close();
    await plain?.close();
  });

  it("answers /healthz and /readyz", async () => {
    expect((await t.client().get("/healthz")).body).toEqual({ status: "ok" });
    expect((await t.client().get("/readyz")).body).toMatchObject({ status: "ready" });
  });

  it("serves an OpenAPI document generated from the route schemas, and its browsable page", async () => {
    const doc = await t.client().get("/api/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ["/api/v1/auth/login", "/api/v1/users", "/api/v1/users/{id}/password-reset", "/api/v1/auth/forgot-password", "/api/v1/managed-companies"]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.paths["/api/v1/auth/login"].post.requestBody.content["application/json"].schema.properties).toHaveProperty("email");
    const page = await t.client().get("/api/docs/");
    expect(page.status).toBe(200);
    expect(String(page.headers["content-type"])).toContain("text/html");
  });

  it("answers HEAD of a dashboard page as it answers GET, without the body; an unknown API path is 404 either way", async () => {
    // npm test builds the dashboard before vitest runs: its pages are served.
    for (const path of ["/", "/login", "/company/users", "/account"]) {
      const get = await t.client().get(path);
      const head = await t.client().request("HEAD", path);
      expect(get.status, path).toBe(200);
      expect(String(get.headers["content-type"])).toContain("text/html");
      expect(head.status, path).toBe(get.status);
      expect(head.headers["content-type"]).toBe(get.headers["content-type"]);
      expect(head.body).toBe("");
    }
    expect((await t.client().request("HEAD", "/api/v1/nothing-here")).status).toBe(404);
    expect((await t.client().get("/api/v1/nothing-here")).status).toBe(404);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, and Secure when PUBLIC_URL is https", async () => {
    const browser = t.client();
    await browser.post("/api/v1/auth/register", { companyName: "Cookie Co", name: "Cora Cookie", email: "cora@cookie.test", password: PASSWORD });
    const reply = await browser.post("/api/v1/auth/login", { email: "cora@cookie.test", password: PASSWORD });
    const cookie = String([reply.headers["set-cookie"]].flat().find((c) => String(c).startsWith("__Host-latchkey_session=")));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it("over plain HTTP: no Secure flag and no HSTS, but the same other headers", async () => {
    const browser = plain.client();
    const reply = await browser.post("/api/v1/auth/register", { companyName: "Plain Co", name: "Pat Plain", email: "pat@plain.test", password: PASSWORD });
    const cookie = String([reply.headers["set-cookie"]].flat().find((c) => String(c).startsWith("latchkey_session=")));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(reply.headers["strict-transport-security"]).toBeUndefined();
    expect(reply.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("refuses state changes by GET: the sign-in endpoint does not exist for GET", async () => {
    expect((await t.client().get("/api/v1/auth/login")).status).toBe(404);
  });

  it("answers an unknown API path with the JSON error shape", async () => {
    const reply = await t.client().get("/api/v1/no-such-thing");
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: { code: "NOT_FOUND", message: "Not found." } });
  });
});
