import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";

/** The ways a second step can be taken. Passkeys join when their code lands (issue 18). */
export type SecondStepMethod = "totp" | "passkey" | "recovery_code";
/** The factors a user can set up at an enrolment step. */
export type EnrolMethod = "totp" | "passkey";

export const DAY_MS = 24 * 3_600_000;

/** What the database knows about a user's second factor and their company's policy. */
export interface SecondFactorFacts {
  hasTotp: boolean;
  hasPasskey: boolean;
  recoveryCodesLeft: number;
  /** An administrator reset the user's factors: they enrol at their next sign-in whatever the policy. */
  enrolmentDue: boolean;
  /** The company's own policy, and its parent's when the parent applies its policy to linked companies. */
  policies: Array<{ requiredAt: Date; graceDays: number }>;
}

/**
 * What is demanded of a user now:
 * - `second_factor`: they have a factor, and sign-in asks for it (by one of `methods`);
 * - `enrol`: they must set one up before any session (an administrator's reset, or a policy whose
 *   grace period is over);
 * - `grace`: a policy requires one from `deadline` on; sign-in still succeeds until then;
 * - `none`.
 */
export type SecondFactorDemand =
  | { kind: "second_factor"; methods: SecondStepMethod[]; recoveryCodesLeft: number }
  | { kind: "enrol"; reason: "reset" | "policy"; methods: EnrolMethod[] }
  | { kind: "grace"; deadline: Date }
  | { kind: "none" };

/** The factors the enrolment step offers (decision 0045: a passkey too). */
export const ENROL_METHODS: EnrolMethod[] = ["totp", "passkey"];

/**
 * The policy's deadline: the day it was required plus its grace days (decision 0037). With the
 * company's own policy and its parent's both in force, the earlier deadline holds.
 */
export function policyDeadline(policies: SecondFactorFacts["policies"]): Date | null {
  const deadlines = policies.map((p) => p.requiredAt.getTime() + p.graceDays * DAY_MS);
  return deadlines.length === 0 ? null : new Date(Math.min(...deadlines));
}

/** The one rule (decision 0037): sign-in, the dashboard's notice and the administrator's views all ask it. */
export function demandOf(facts: SecondFactorFacts, now: Date): SecondFactorDemand {
  if (facts.hasTotp || facts.hasPasskey) {
    const methods: SecondStepMethod[] = [];
    if (facts.hasTotp) methods.push("totp");
    if (facts.hasPasskey) methods.push("passkey");
    if (facts.recoveryCodesLeft > 0) methods.push("recovery_code");
    return { kind: "second_factor", methods, recoveryCodesLeft: facts.recoveryCodesLeft };
  }
  if (facts.enrolmentDue) return { kind: "enrol", reason: "reset", methods: ENROL_METHODS };
  const deadline = policyDeadline(facts.policies);
  if (!deadline) return { kind: "none" };
  if (now.getTime() >= deadline.getTime()) return { kind: "enrol", reason: "policy", methods: ENROL_METHODS };
  return { kind: "grace", deadline };
}

export interface FactsRow {
  has_totp: boolean;
  has_passkey: boolean;
  recovery_codes_left: number;
  enrolment_due: boolean;
  own_required_at: Date | string | null;
  own_grace_days: number;
  parent_required_at: Date | string | null;
  parent_grace_days: number | null;
}

/** The facts' columns and tables; the caller adds which users (a list here, one user in sign-in.ts's prepared statement). */
export const FACTS_SELECT = sql`
    select u.id as user_id,
           exists(select 1 from totp_factors t where t.user_id = u.id and t.confirmed_at is not null) as has_totp,
           exists(select 1 from passkeys k where k.user_id = u.id) as has_passkey,
           (select count(*) from recovery_codes r where r.user_id = u.id and r.used_at is null)::int as recovery_codes_left,
           exists(select 1 from second_factor_enrolments_due d where d.user_id = u.id) as enrolment_due,
           c.second_factor_required_at as own_required_at, c.second_factor_grace_days as own_grace_days,
           case when p.second_factor_policy_for_linked then p.second_factor_required_at end as parent_required_at,
           p.second_factor_grace_days as parent_grace_days
    from users u
    join companies c on c.id = u.company_id
    left join companies p on p.id = c.parent_id and p.deleted_at is null`;

/**
 * The facts for many users at once, in one query (the administrator's list can ask it of a page).
 * A linked company follows its parent's policy while the parent's second_factor_policy_for_linked is true.
 */
export async function secondFactorFactsOf(db: Executor, userIds: string[]): Promise<Map<string, SecondFactorFacts>> {
  if (userIds.length === 0) return new Map();
  const rows = await queryRows<FactsRow & { user_id: string }>(db, sql`
    ${FACTS_SELECT}
    where u.id in (${sql.join(userIds.map((id) => sql`${id}::uuid`), sql`, `)})`);
  return new Map(rows.map((row) => [row.user_id, factsOfRow(row)]));
}

export function factsOfRow(row: FactsRow): SecondFactorFacts {
  const policies: SecondFactorFacts["policies"] = [];
  if (row.own_required_at !== null) policies.push({ requiredAt: new Date(row.own_required_at), graceDays: Number(row.own_grace_days) });
  if (row.parent_required_at !== null) policies.push({ requiredAt: new Date(row.parent_required_at), graceDays: Number(row.parent_grace_days ?? 0) });
  return {
    hasTotp: row.has_totp,
    hasPasskey: row.has_passkey,
    recoveryCodesLeft: Number(row.recovery_codes_left),
    enrolmentDue: row.enrolment_due,
    policies,
  };
}

/** What is demanded of one user now (see demandOf). A missing user is demanded nothing. */
export async function secondFactorDemand(db: Executor, userId: string, now: Date): Promise<SecondFactorDemand> {
  const facts = (await secondFactorFactsOf(db, [userId])).get(userId);
  return facts ? demandOf(facts, now) : { kind: "none" };
}
