import { isRole, ROLES } from "../access/roles.ts";
import { fitForAName } from "../control-characters.ts";
import { parseCsv, unguardCell } from "../csv.ts";
import { isEmailAddress } from "../email-address.ts";
import { PERSON_NAME_MAX_LENGTH } from "./user-name.ts";

/** One file is one sitting's onboarding: the preview table stays readable, the request stays short. */
export const IMPORT_MAX_ROWS = 1_000;
export const IMPORT_MAX_CHARACTERS = 256 * 1024;

/** A row's refusal, in the words the preview shows; codes a program can branch on. */
export type ImportRowCode = "CELLS_MISMATCH" | "NAME_INVALID" | "EMAIL_INVALID" | "ROLE_UNKNOWN" | "ROLE_NOT_ALLOWED" | "EMAIL_REPEATED" | "EMAIL_TAKEN";
export interface ImportRowError {
  code: ImportRowCode;
  message: string;
}

/** A row as read: the cells as written (trimmed), and the first problem found with them, if any. */
export interface ImportRow {
  line: number;
  name: string;
  email: string;
  /** The role to give: the cell's role, or user when the cell (or the column) is empty. */
  role: string;
  error: ImportRowError | null;
}

export type ImportFile = { ok: true; rows: ImportRow[]; ignoredColumns: string[] } | { ok: false; problem: string; tooLarge: boolean };

const COLUMNS = ["name", "email", "role"] as const;
type Column = (typeof COLUMNS)[number];
const ROLE_LIST = ROLES.join(", ");

const fail = (problem: string, tooLarge = false): ImportFile => ({ ok: false, problem, tooLarge });

/** "Read only", "read-only" and "READ_ONLY" all name read_only: people type roles as they read them. */
const roleKey = (cell: string) => cell.trim().toLowerCase().replace(/[\s-]+/g, "_");

function checkRow(line: number, cells: string[], width: number, at: Record<Column, number | undefined>): ImportRow {
  const cell = (column: Column) => {
    const index = at[column];
    return index === undefined ? "" : unguardCell(cells[index] ?? "");
  };
  const rawName = cell("name");
  const name = rawName.trim();
  const email = cell("email").trim();
  const roleCell = cell("role").trim();
  const role = roleCell === "" ? "user" : roleKey(roleCell);
  const row = { line, name, email, role: roleCell === "" ? "user" : roleCell };
  const error = (code: ImportRowCode, message: string): ImportRow => ({ ...row, error: { code, message } });
  if (cells.length !== width) return error("CELLS_MISMATCH", `This line has ${cells.length} ${cells.length === 1 ? "cell" : "cells"}; the header has ${width}. Check for a comma in an unquoted name.`);
  // The same rules as the API's PersonName and Email schemas: the characters before the trim.
  if (!fitForAName(rawName)) return error("NAME_INVALID", "Control characters, direction overrides and line separators are not allowed in a name.");
  if (name === "") return error("NAME_INVALID", "Enter a name.");
  if (name.length > PERSON_NAME_MAX_LENGTH) return error("NAME_INVALID", `The name is longer than ${PERSON_NAME_MAX_LENGTH} characters.`);
  if (email === "") return error("EMAIL_INVALID", "Enter an email address.");
  if (!isEmailAddress(email)) return error("EMAIL_INVALID", "This is not a valid email address.");
  if (!isRole(role)) return error("ROLE_UNKNOWN", `Not a role. Use one of: ${ROLE_LIST}.`);
  return { ...row, role, error: null };
}

/**
 * Reads an import file: a header row naming name and email (and role), in any order and case,
 * then one user per line. Each row gets the checks one creation's fields get; the checks that
 * need the actor or the database are check-user-import.ts's. Problems with the file as a whole
 * (no header, a quote never closed, too many rows) refuse the file.
 */
export function readUserImportFile(text: string): ImportFile {
  const parsed = parseCsv(text);
  if (!parsed.ok) return fail(`Line ${parsed.line}: ${parsed.problem}`);
  const [header, ...records] = parsed.records;
  if (!header) return fail("The file is empty. Its first line names the columns: name,email,role.");
  const names = header.cells.map((cell) => unguardCell(cell).trim().toLowerCase());
  const at: Record<Column, number | undefined> = { name: undefined, email: undefined, role: undefined };
  for (const column of COLUMNS) {
    const index = names.indexOf(column);
    if (index !== names.lastIndexOf(column)) return fail(`The header names the column "${column}" twice.`);
    at[column] = index < 0 ? undefined : index;
  }
  if (at.name === undefined || at.email === undefined) {
    return fail(`The first line must name the columns name and email (role is optional), in any order. It reads: ${names.slice(0, 6).join(", ").slice(0, 200) || "(nothing)"}.`);
  }
  if (records.length === 0) return fail("The file has a header but no users below it.");
  if (records.length > IMPORT_MAX_ROWS) return fail(`The file has ${records.length.toLocaleString("en")} users; one import takes at most ${IMPORT_MAX_ROWS.toLocaleString("en")}. Split it into smaller files.`, true);
  const ignoredColumns = names.filter((name) => !(COLUMNS as readonly string[]).includes(name) && name !== "").map((name) => name.slice(0, 100));
  return { ok: true, rows: records.map((record) => checkRow(record.line, record.cells, header.cells.length, at)), ignoredColumns };
}
