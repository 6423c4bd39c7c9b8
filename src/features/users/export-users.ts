import type { Deps } from "../../deps.ts";
import type { Actor } from "../access/actor.ts";
import { toCsv } from "../csv.ts";
import { listUsers, type ListUsersInput } from "./list-users.ts";

/** Rows read per step: keyset pages, so the 100th step costs what the first does. */
const STEP = 1_000;

export type ExportUsersInput = Omit<ListUsersInput, "after" | "before" | "limit">;

/**
 * The users list as CSV, with the same filters and order as the page on screen: read through
 * listUsers itself, so the export can show nobody the list would not. Cells are quoted and
 * defused against formulas by toCsv.
 */
export async function exportUsersCsv(deps: Pick<Deps, "db">, actor: Actor, input: ExportUsersInput): Promise<string> {
  const rows: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listUsers(deps, actor, { ...input, after, limit: STEP });
    for (const user of page.users) {
      const invited = user.status === "active" && !user.hasPassword;
      rows.push([user.name, user.email, user.role, invited ? "invited" : user.status, user.lastLoginAt?.toISOString() ?? "", user.createdAt.toISOString()]);
    }
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return toCsv(["name", "email", "role", "status", "last_sign_in", "created_at"], rows);
}
