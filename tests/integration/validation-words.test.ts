import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/** What zod says when a schema gave no words of its own: none of it may reach a person. */
const ZOD_WORDS = /Invalid input|expected \w+, received|Unrecognized key|Too small|Too big|Invalid option|Invalid string|body\.:/;

describe("validation errors in words (issue 19)", () => {
  let t: TestApp;
  let admin: TestClient;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, smtp: false });
    admin = await signIn(t, (await createCompanyWithUsers(t.deps)).users.administrator);
  });
  afterAll(async () => {
    await t?.close();
  });

  const cases: Array<[string, string, string, unknown, RegExp]> = [
    ["a missing field", "POST", "/api/v1/users", { name: "Ann", role: "user" }, /^email is required\.$/],
    ["a field of the wrong kind", "POST", "/api/v1/users", { name: ["Ann"], email: "ann@example.test", role: "user" }, /^name must be text\.$/],
    ["an unknown field at the top", "POST", "/api/v1/users", { name: "Ann", email: "ann@example.test", role: "user", extra: 1 }, /^Unknown field "extra": remove it\.$/],
    ["a value outside a list", "POST", "/api/v1/users", { name: "Ann", email: "ann@example.test", role: "owner" }, /^role must be one of "administrator", "manager", "user", "read_only"\.$/],
    ["a body that is not an object", "POST", "/api/v1/users", [1, 2], /^The request body must be an object\.$/],
    ["a query parameter out of range", "GET", "/api/v1/users?limit=0", undefined, /^Query parameter limit must be at least 1\.$/],
    ["a path parameter that is not an id", "GET", "/api/v1/users/not-an-id", undefined, /^Path parameter id: Not a valid id\.$/],
  ];

  it.each(cases)("%s: 400 VALIDATION_FAILED, one sentence a person reads, every failure listed with its path", async (_name, method, url, body, sentence) => {
    const reply = method === "GET" ? await admin.get(url) : await admin.write(method, url, body, {});
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("VALIDATION_FAILED");
    expect(reply.body.error.message).toMatch(sentence);
    expect(reply.body.error.message).not.toMatch(ZOD_WORDS);
    for (const issue of reply.body.error.details.issues as Array<{ path: string; message: string }>) {
      expect(issue.path).toMatch(/^(body|querystring|params)(\.|$)/);
      expect(issue.message).not.toMatch(ZOD_WORDS);
    }
  });
});
