import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { installErrorHandler } from "../../src/http/error-handler.ts";

describe("the error handler", () => {
  it("answers 400, not 500, when PostgreSQL refuses a value's characters (a NUL in text or in JSON)", async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app);
    app.get("/text", async () => {
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    });
    app.get("/json", async () => {
      // drizzle wraps the driver's error: the code is on the cause.
      throw new Error("Failed query", { cause: Object.assign(new Error("unsupported Unicode escape sequence"), { code: "22P05" }) });
    });
    app.get("/other", async () => {
      throw Object.assign(new Error("division by zero"), { code: "22012" });
    });
    for (const url of ["/text", "/json"]) {
      const reply = await app.inject({ method: "GET", url });
      expect(reply.statusCode, url).toBe(400);
      expect(reply.json(), url).toMatchObject({ error: { code: "VALIDATION_FAILED", message: expect.stringContaining("NUL") } });
    }
    expect((await app.inject({ method: "GET", url: "/other" })).statusCode).toBe(500);
    await app.close();
  });
});
