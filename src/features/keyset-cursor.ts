import { AppError } from "../errors.ts";
import { noControlChars } from "./control-characters.ts";

export interface NameCursorKey {
  nameSort: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Keyset pages ordered by a name key and a uuid (users by name_sort, companies by lower(name)).
 * Opaque to clients: base64url of the (key, id) of the row a page starts or ends at.
 */
export function encodeNameCursor(key: NameCursorKey): string {
  return Buffer.from(JSON.stringify([key.nameSort, key.id])).toString("base64url");
}

/** A tampered or foreign cursor is the client's mistake (400), never a database error. */
export function decodeNameCursor(cursor: string): NameCursorKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2) {
      const [nameSort, id] = value as unknown[];
      if (typeof nameSort === "string" && nameSort.length <= 400 && noControlChars(nameSort) && typeof id === "string" && UUID.test(id)) return { nameSort, id };
    }
  } catch {
    // not JSON: refused below
  }
  throw new AppError("VALIDATION_FAILED", "The page cursor is not valid.");
}
