/** An error and the errors it wraps (drizzle puts the driver's error in `cause`), five deep at most. */
export function* errorChain(error: unknown): Generator<{ code?: unknown; constraint?: unknown; message?: unknown }> {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    yield e as { code?: unknown; constraint?: unknown; message?: unknown };
  }
}

/** True when PostgreSQL (or PGlite) refused an insert or update for a unique constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (const { code, constraint: name, message } of errorChain(error)) {
    if (code === "23505") return constraint === undefined || name === constraint || String(message).includes(constraint);
  }
  return false;
}

/** True when PostgreSQL refused a value's characters: a NUL in text (22021) or in a JSON string (22P05). */
export function isUnstorableText(error: unknown): boolean {
  for (const { code } of errorChain(error)) if (code === "22021" || code === "22P05") return true;
  return false;
}
