import { AppError } from "../../errors.ts";
import { noControlChars } from "../control-characters.ts";

/** The users list's orders (decision 0047). "name" is the list's own, and the only one a search uses. */
export const USER_SORTS = ["name", "email", "role", "status", "lastSignIn", "created"] as const;
export type UserSort = (typeof USER_SORTS)[number];
export type SortDirection = "asc" | "desc";

/**
 * Where a page of a non-name order starts or ends: the order it belongs to, the part of that order
 * (last sign-in, ascending: part 0 those who never signed in, by name; part 1 the others), the sort key's values and the id.
 */
export interface OrderCursorKey {
  sort: Exclude<UserSort, "name">;
  part: number;
  values: string[];
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const ROLES = ["administrator", "manager", "user", "read_only"];
const STATUSES = ["active", "deactivated"];

/** Each value is cast in SQL (an enum, a timestamp): check it here so a forged one is a 400, not a 500. */
function fitsOrder(sort: OrderCursorKey["sort"], part: number, values: string[]): boolean {
  const [first = "", second] = values;
  switch (sort) {
    case "email":
      return part === 0 && values.length === 1;
    case "role":
      return part === 0 && values.length === 2 && ROLES.includes(first) && second !== undefined;
    case "status":
      return part === 0 && values.length === 2 && STATUSES.includes(first) && second !== undefined;
    case "created":
      return part === 0 && values.length === 1 && TIMESTAMP.test(first);
    case "lastSignIn":
      return values.length === 1 && (part === 0 || TIMESTAMP.test(first));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeOrderCursor(key: OrderCursorKey): string {
  return Buffer.from(JSON.stringify([key.sort, key.part, key.values, key.id])).toString("base64url");
}

/** A tampered cursor, or one from another order, is the client's mistake (400), never a database error. */
export function decodeOrderCursor(cursor: string, sort: Exclude<UserSort, "name">): OrderCursorKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 4) {
      const [cursorSort, part, values, id] = value as unknown[];
      const validValues = Array.isArray(values) && values.length <= 2 && values.every((v) => typeof v === "string" && v.length <= 400 && noControlChars(v));
      if (cursorSort === sort && (part === 0 || part === 1) && validValues && typeof id === "string" && UUID.test(id) && fitsOrder(sort, part, values as string[])) {
        return { sort, part, values: values as string[], id };
      }
    }
  } catch {
    // not JSON: refused below
  }
  throw new AppError("VALIDATION_FAILED", "The page cursor is not valid for this order.");
}
