import { DrizzleQueryError } from "drizzle-orm";
import { stdSerializers } from "pino";

/**
 * How an error reaches the log. A failed query carries its parameters in its message, and those can
 * be a password hash, a token digest or a session digest (SECURITY.md: none of them in a log line):
 * the query's text and the database's own error are kept, the parameters never leave the process.
 */
export function serializeError(error: unknown): unknown {
  if (error instanceof DrizzleQueryError) {
    return {
      type: "DrizzleQueryError",
      message: `Failed query (parameters not logged): ${error.query.trim().replace(/\s+/gu, " ")}`,
      cause: error.cause === undefined ? undefined : serializeError(error.cause),
    };
  }
  // Any other error: pino's usual form, with a failed query further down its causes made safe the same way.
  if (error instanceof Error && error.cause instanceof DrizzleQueryError) {
    const withoutCause = Object.assign(new Error(error.message), { name: error.name, stack: error.stack });
    return { ...stdSerializers.err(withoutCause), cause: serializeError(error.cause) };
  }
  return error instanceof Error ? stdSerializers.err(error) : error;
}
