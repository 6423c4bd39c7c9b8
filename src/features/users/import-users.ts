import type { Deps } from "../../deps.ts";
import { AppError, type ErrorCode } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { checkUserImport, previewRow } from "./check-user-import.ts";
import { createUser } from "./create-user.ts";
import { isRole } from "../access/roles.ts";

export type ImportOutcome = { line: number; name: string; email: string; role: string } & (
  | { ok: true; userId: string }
  | { ok: false; error: { code: ErrorCode; message: string } }
);

/**
 * Imports a file checked again as it arrives: with any row in error, nothing is written and the
 * rows go back in a 422 (the preview the person saw may be stale). Otherwise each row is one
 * createUser, in its own transaction, so every rule, limit, invitation and audit row is a single
 * creation's (decision 0050). A refusal then — an hourly invitation limit (decision 0020), an
 * address taken meanwhile — is that row's outcome and the others go on; a fault stops the import.
 */
export async function importUsers(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, csv: string): Promise<ImportOutcome[]> {
  const checked = await checkUserImport(deps, actor, csv);
  if (checked.invalid > 0) {
    const rows = checked.invalid === 1 ? "1 row has an error" : `${checked.invalid} rows have errors`;
    throw new AppError("IMPORT_ROWS_INVALID", `${rows}; nobody was imported. Correct the file and try again.`, { rows: checked.rows.map(previewRow) });
  }
  const outcomes: ImportOutcome[] = [];
  for (const row of checked.rows) {
    const { line, name, email, role } = row;
    if (!isRole(role)) throw new Error("a checked row names no role");
    try {
      const user = await createUser(deps, actor, { name, email, role });
      outcomes.push({ line, name, email, role, ok: true, userId: user.id });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      outcomes.push({ line, name, email, role, ok: false, error: { code: error.code, message: error.message } });
    }
  }
  return outcomes;
}
