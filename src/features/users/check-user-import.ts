import type { Deps } from "../../deps.ts";
import { AppError, ERROR_MESSAGES } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { assertCan, mayAssignRole } from "../access/authorize.ts";
import { ASSIGNABLE_ROLES } from "../access/permissions.ts";
import { normalizeEmail } from "../email-address.ts";
import { isRole } from "../access/roles.ts";
import { readUserImportFile, type ImportRow } from "./user-import-file.ts";
import { invitationsLeft } from "./send-invitation.ts";
import { findTakenEmails } from "./users.queries.ts";

export interface CheckedImport {
  rows: ImportRow[];
  ignoredColumns: string[];
  /** Rows with an error: while there is one, an import writes nothing. */
  invalid: number;
  /** Invitations the actor may still send this hour (decision 0020): rows beyond it would be refused. */
  invitationsLeft: number;
}

export type PreviewRow = Omit<ImportRow, "error"> & ({ ok: true } | { ok: false; error: NonNullable<ImportRow["error"]> });

/** A checked row as the API shows it, in the preview and in an import's 422. */
export const previewRow = ({ error, ...row }: ImportRow): PreviewRow => (error ? { ...row, ok: false, error } : { ...row, ok: true });

/**
 * An import file checked row by row, writing nothing: the field rules of one creation, then the
 * ones that need the actor and the database — the role must be one the actor may give (access/),
 * the address must not be on an earlier line nor already held by a user. A role or API scope that
 * may not create users is refused the whole file (403), as the single creation is.
 */
export async function checkUserImport(deps: Pick<Deps, "db" | "clock">, actor: Actor, csv: string): Promise<CheckedImport> {
  assertCan(actor, "users.create");
  const file = readUserImportFile(csv);
  if (!file.ok) throw new AppError(file.tooLarge ? "PAYLOAD_TOO_LARGE" : "IMPORT_FILE_INVALID", file.problem);
  const firstLineOf = new Map<string, number>();
  const candidates = file.rows.filter((row) => row.error === null);
  const taken = await findTakenEmails(deps.db, [...new Set(candidates.map((row) => normalizeEmail(row.email)))]);
  const givable = ASSIGNABLE_ROLES[actor.role].join(", ");
  const rows = file.rows.map((row): ImportRow => {
    if (row.error) return row;
    const key = normalizeEmail(row.email);
    const first = firstLineOf.get(key);
    if (first === undefined) firstLineOf.set(key, row.line);
    // An address that is already someone's is the row's first problem: its role no longer matters.
    if (first !== undefined) return { ...row, error: { code: "EMAIL_REPEATED", message: `This address is already on line ${first}.` } };
    if (taken.has(key)) return { ...row, error: { code: "EMAIL_TAKEN", message: ERROR_MESSAGES.EMAIL_TAKEN } };
    if (!isRole(row.role) || !mayAssignRole(actor, row.role)) {
      return { ...row, error: { code: "ROLE_NOT_ALLOWED", message: givable ? `You cannot give the role ${row.role}. You may give: ${givable}.` : ERROR_MESSAGES.ROLE_NOT_ALLOWED } };
    }
    return row;
  });
  return {
    rows,
    ignoredColumns: file.ignoredColumns,
    invalid: rows.filter((row) => row.error !== null).length,
    invitationsLeft: await invitationsLeft(deps.db, actor, deps.clock.now()),
  };
}
