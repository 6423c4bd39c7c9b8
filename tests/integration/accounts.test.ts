import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const PASSWORD = "correct horse battery staple 9";

describe("registration and sign-in", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("registers a company, signs its administrator in, and shows who they are", async () => {
    const browser = t.client();
    const reg = await browser.post("/api/v1/auth/register", { companyName: "Acme", name: "Ada Admin", email: "Ada@Acme.test", password: PASSWORD });
    expect(reg.status).toBe(201);
    const me = await browser.get("/api/v1/auth/me");
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ name: "Ada Admin", email: "Ada@Acme.test", role: "administrator", companyName: "Acme" });
  });

  it("signs in with the email in any case, and refuses a wrong password like an unknown email", async () => {
    const ok = await t.client().post("/api/v1/auth/login", { email: "ada@ACME.test", password: PASSWORD });
    expect(ok.status).toBe(200);
    const wrong = await t.client().post("/api/v1/auth/login", { email: "ada@acme.test", password: "not the password at all" });
    const unknown = await t.client().post("/api/v1/auth/login", { email: "nobody@acme.test", password: "not the password at all" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it("refuses a write without a CSRF token", async () => {
    const reply = await t.client().request("POST", "/api/v1/auth/login", { email: "ada@acme.test", password: PASSWORD });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("CSRF_INVALID");
  });

  it("refuses an email that is not a single string, with 400", async () => {
    const reply = await t.client().post("/api/v1/auth/login", { email: ["ada@acme.test", "x@y.test"], password: PASSWORD });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("VALIDATION_FAILED");
  });
});
