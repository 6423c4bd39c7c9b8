import { sql } from "drizzle-orm";
import { queryRows } from "../../../db/client.ts";
import type { Deps } from "../../../deps.ts";
import type { Actor } from "../../access/actor.ts";
import { assertCan } from "../../access/authorize.ts";
import type { Role } from "../../access/roles.ts";
import { describeDeliveryProblem, type DeliveryStatus } from "../../../email/delivery-problem.ts";
import { requireUserInScope } from "../../access/users-in-scope.ts";

export interface SecondFactorResetEntry {
  id: string;
  at: Date;
  /** Null: the operator (CLI), who is no person to name. */
  resetBy: { kind: "administrator" | "team_member" | "integration"; name: string; role: Role; companyName: string } | null;
  removed: { authenticatorApp: boolean; passkeys: number; recoveryCodes: number };
  emailStatus: DeliveryStatus | null;
  /** Why the email has not left, in words (never the mail server's reply), or null. */
  emailProblem: string | null;
}

const HISTORY_LIMIT = 100;

/**
 * The second-factor resets of one user, newest first, read from their audit rows: who did it, what
 * went, and whether the email left. Shown to those who may reset it, in scope, like the password
 * resets' history (decision 0039).
 */
export async function listSecondFactorResets(deps: Pick<Deps, "db">, actor: Actor, userId: string): Promise<SecondFactorResetEntry[]> {
  const user = await requireUserInScope(deps.db, actor, userId);
  assertCan(actor, "users.resetSecondFactor");
  // Through audit_events_target_company_at_idx: the user's company, newest first.
  const rows = await queryRows<{
    id: string | number;
    at: Date | string;
    details: Record<string, unknown>;
    actor_company_id: string | null;
    actor_name: string | null;
    actor_role: Role | null;
    actor_company_name: string | null;
    email_status: SecondFactorResetEntry["emailStatus"];
    email_error: string | null;
  }>(deps.db, sql`
    select a.id, a.at, a.details, a.actor_company_id, u.name as actor_name, u.role as actor_role, c.name as actor_company_name, e.status as email_status, e.last_error as email_error
    from audit_events a
    left join users u on u.id = a.actor_user_id
    left join companies c on c.id = a.actor_company_id
    left join emails e on e.id = (a.details->>'emailId')::uuid
    where a.target_company_id = ${user.companyId} and a.target_user_id = ${user.id} and a.action = 'second_factor.reset' and a.outcome = 'success'
    order by a.at desc, a.id desc
    limit ${HISTORY_LIMIT}`);
  return rows.map((row) => ({
    id: String(row.id),
    at: new Date(row.at),
    resetBy: resetByOf(row, user.companyId),
    removed: removedOf(row.details.removed),
    emailStatus: row.email_status ?? null,
    emailProblem: describeDeliveryProblem(row.email_status ?? null, row.email_error),
  }));
}

function resetByOf(
  row: { details: Record<string, unknown>; actor_company_id: string | null; actor_name: string | null; actor_role: Role | null; actor_company_name: string | null },
  userCompanyId: string,
): SecondFactorResetEntry["resetBy"] {
  const clientName = row.details.actorClientName;
  if (typeof clientName === "string") return { kind: "integration", name: clientName, role: "administrator", companyName: row.actor_company_name ?? "" };
  if (row.actor_name === null || row.actor_role === null) return null;
  return {
    kind: row.actor_company_id === userCompanyId ? "administrator" : "team_member",
    name: row.actor_name,
    role: row.actor_role,
    companyName: row.actor_company_name ?? "",
  };
}

function removedOf(value: unknown): SecondFactorResetEntry["removed"] {
  const removed = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  return {
    authenticatorApp: removed.authenticatorApp === true,
    passkeys: typeof removed.passkeys === "number" ? removed.passkeys : 0,
    recoveryCodes: typeof removed.recoveryCodes === "number" ? removed.recoveryCodes : 0,
  };
}
