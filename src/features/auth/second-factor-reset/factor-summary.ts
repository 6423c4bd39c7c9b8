import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../../db/client.ts";

/** What a user's page says of their second factors: kinds and counts, never a secret or a credential. */
export interface FactorSummary {
  /** A confirmed authenticator app (an enrolment in progress is no factor, decision 0035). */
  authenticatorApp: boolean;
  /** An authenticator app set up but not yet confirmed with a first code. */
  authenticatorAppPending: boolean;
  passkeys: number;
  /** Unused recovery codes; they recover a factor and are not one themselves. */
  recoveryCodesRemaining: number;
  /** An authenticator app or a passkey. */
  hasSecondFactor: boolean;
  /** Since when the user must set a factor up at their next sign-in after a reset, or null. */
  enrolmentDueSince: Date | null;
}

/** One statement, each part read through its key (totp_factors' and second_factor_enrolments_due's primary keys, passkeys_user_idx, recovery_codes_user_code_key). */
export async function factorSummaryOf(db: Executor, userId: string): Promise<FactorSummary> {
  const [row] = await queryRows<{ totp: boolean | null; passkeys: number; codes: number; due: Date | string | null }>(db, sql`
    select (select t.confirmed_at is not null from totp_factors t where t.user_id = ${userId}) as totp,
           (select count(*)::int from passkeys p where p.user_id = ${userId}) as passkeys,
           (select count(*)::int from recovery_codes r where r.user_id = ${userId} and r.used_at is null) as codes,
           (select d.since from second_factor_enrolments_due d where d.user_id = ${userId}) as due`);
  const passkeys = Number(row?.passkeys ?? 0);
  const authenticatorApp = row?.totp === true;
  return {
    authenticatorApp,
    authenticatorAppPending: row?.totp === false,
    passkeys,
    recoveryCodesRemaining: Number(row?.codes ?? 0),
    hasSecondFactor: authenticatorApp || passkeys > 0,
    enrolmentDueSince: row?.due ? new Date(row.due) : null,
  };
}

/**
 * Whether "Reset two-factor" has anything to remove (decision 0039): a factor, unused recovery
 * codes, or an authenticator app being set up. Otherwise the button is off and the request 409.
 */
export function hasAnythingToReset(summary: FactorSummary): boolean {
  return summary.hasSecondFactor || summary.recoveryCodesRemaining > 0 || summary.authenticatorAppPending;
}
