import { sql } from "drizzle-orm";
import { queryRows } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { assertCan } from "../access/authorize.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";
import { describeDevice } from "./describe-device.ts";

/** What became of one attempt: a session, or which step refused it. */
export type SignInResult = "signed_in" | "wrong_password" | "passkey_refused" | "wrong_second_factor_code";

export interface SignInEntry {
  id: string;
  at: Date;
  result: SignInResult;
  method: "password" | "passkey";
  clientAddress: string | null;
  device: string;
}

export const SIGN_INS_PAGE = 20;

/**
 * A user's recent sign-ins, newest first, read from the audit log (decision 0051): the successes
 * and the attempts refused for a wrong password, a refused passkey or a wrong second-factor code.
 * Scope first, so a user outside it answers exactly like a missing one.
 */
export async function listSignIns(deps: Pick<Deps, "db">, actor: Actor, userId: string, before?: string): Promise<{ signIns: SignInEntry[]; nextCursor: string | null }> {
  const user = await requireUserInScope(deps.db, actor, userId);
  assertCan(actor, "users.viewSignIns");
  const from = before === undefined ? null : decodeCursor(before);
  // Through audit_events_target_company_at_idx: the user's company, newest first.
  const rows = await queryRows<{ id: string | number; at: Date | string; action: string; client_address: string | null; details: Record<string, unknown> | null }>(
    deps.db,
    sql`
    select a.id, a.at, a.action, a.client_address, a.details
    from audit_events a
    where a.target_company_id = ${user.companyId} and a.target_user_id = ${user.id}
      and a.action in ('login.succeeded', 'login.failed', 'second_factor.failed')
      ${from ? sql`and (a.at, a.id) < (${from.at}::timestamptz, ${from.id}::bigint)` : sql``}
    order by a.at desc, a.id desc
    limit ${SIGN_INS_PAGE + 1}`,
  );
  const page = rows.slice(0, SIGN_INS_PAGE).map(entryOf);
  const last = page.at(-1);
  return { signIns: page, nextCursor: rows.length > SIGN_INS_PAGE && last ? encodeCursor(last) : null };
}

function entryOf(row: { id: string | number; at: Date | string; action: string; client_address: string | null; details: Record<string, unknown> | null }): SignInEntry {
  const details = row.details ?? {};
  const method = details.method === "passkey" ? "passkey" : "password";
  const result: SignInResult =
    row.action === "login.succeeded" ? "signed_in" : row.action === "second_factor.failed" ? "wrong_second_factor_code" : method === "passkey" ? "passkey_refused" : "wrong_password";
  return {
    id: String(row.id),
    at: new Date(row.at),
    result,
    method,
    clientAddress: row.client_address,
    // Rows written before decision 0051 carry no User-Agent: "Unknown device", like a session without one.
    device: describeDevice(typeof details.userAgent === "string" ? details.userAgent : null),
  };
}

/** Opaque to clients: base64url of the (at, id) of the page's last row. */
function encodeCursor(entry: SignInEntry): string {
  return Buffer.from(JSON.stringify([entry.at.toISOString(), entry.id])).toString("base64url");
}

/** A tampered cursor is the client's mistake (400), never a database error. */
function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2) {
      const [at, id] = value as unknown[];
      if (typeof at === "string" && !Number.isNaN(Date.parse(at)) && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(at) && typeof id === "string" && /^\d{1,18}$/.test(id)) return { at, id };
    }
  } catch {
    // not JSON: refused below
  }
  throw new AppError("VALIDATION_FAILED", "The page cursor is not valid.");
}
