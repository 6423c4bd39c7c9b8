import { Writable } from "node:stream";
import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/deps.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: createLogger("info", stream), text: () => lines.join("") };
}

const SECRET_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$not-for-any-log";
const TOKEN_DIGEST = "q0W6mDigestOfALiveSessionTokenNeverLogged";

describe("errors in the log", () => {
  const failedQuery = () =>
    new DrizzleQueryError(
      "update users\n  set password_hash = $1 where token_hash = $2",
      [SECRET_HASH, TOKEN_DIGEST],
      Object.assign(new Error("Cannot use a pool after calling end on the pool"), { code: "57P01" }),
    );

  it("keeps a failed query's text and the database's error, never its parameters", () => {
    const { logger, text } = capture();
    logger.error({ err: failedQuery() }, "unhandled error");
    const line = JSON.parse(text()) as { err: { message: string; cause: { message: string; code: string } } };
    expect(line.err.message).toBe("Failed query (parameters not logged): update users set password_hash = $1 where token_hash = $2");
    expect(line.err.cause).toMatchObject({ message: "Cannot use a pool after calling end on the pool", code: "57P01" });
    expect(text()).not.toContain(SECRET_HASH);
    expect(text()).not.toContain(TOKEN_DIGEST);
  });

  it("does the same for a failed query wrapped in another error", () => {
    const { logger, text } = capture();
    logger.error({ err: new Error("job failed", { cause: failedQuery() }) }, "job queue error");
    expect(text()).toContain("job failed");
    expect(text()).toContain("parameters not logged");
    expect(text()).not.toContain(SECRET_HASH);
    expect(text()).not.toContain(TOKEN_DIGEST);
  });

  it("logs any other error as usual, with its message and stack", () => {
    const { logger, text } = capture();
    logger.error({ err: new TypeError("plain failure") }, "unhandled error");
    const line = JSON.parse(text()) as { err: { type: string; message: string; stack: string } };
    expect(line.err).toMatchObject({ type: "TypeError", message: "plain failure" });
    expect(line.err.stack).toContain("plain failure");
  });
});
