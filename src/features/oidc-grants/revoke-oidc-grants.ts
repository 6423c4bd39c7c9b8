import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import type { JobQueue } from "../../jobs/job-queue.ts";
import { linkedCompanyRule } from "../access/linked-company-access.ts";
import { BACKCHANNEL_LOGOUT_QUEUE, type BackchannelLogoutJob } from "./backchannel-logout-queue.ts";

/** Whose application grants end. */
export type GrantSelector =
  /** Every grant of a user (deactivated, password reset or changed, role changed). */
  | { userId: string }
  /** The grants signed in through one Latchkey session (signing out of the dashboard). */
  | { sessionId: string }
  /** The grants of a company's users and those acting in it (the company deleted). */
  | { companyId: string }
  /** One grant (a code or refresh token used twice). */
  | { grantId: string }
  /**
   * Grants acting in a linked company whose holder, as they are now, may no longer act there — by
   * the linked-company rule of access/, not written again here (a grant revoked, a company un-linked,
   * a member's grants dropped). Narrowed to one user or one acting company.
   */
  | { withoutAuthority: { userId?: string; actingCompanyId?: string } };

function condition(selector: GrantSelector): SQL {
  if ("userId" in selector) return sql`og.user_id = ${selector.userId}`;
  if ("sessionId" in selector) return sql`og.session_id = ${selector.sessionId}`;
  if ("grantId" in selector) return sql`og.grant_id = ${selector.grantId}`;
  if ("companyId" in selector) {
    return sql`(og.acting_company_id = ${selector.companyId} or og.user_id in (select id from users where company_id = ${selector.companyId}))`;
  }
  const { userId, actingCompanyId } = selector.withoutAuthority;
  return sql`og.access <> 'member'
    ${userId ? sql`and og.user_id = ${userId}` : sql``}
    ${actingCompanyId ? sql`and og.acting_company_id = ${actingCompanyId}` : sql``}
    and not exists (
      select 1 from users u join companies ac on ac.id = og.acting_company_id
      where u.id = og.user_id and u.status = 'active'
        and ${linkedCompanyRule(sql`ac`, { userId: sql`u.id`, companyId: sql`u.company_id`, role: sql`u.role` })})`;
}

/**
 * Ends applications' grants in the transaction of the action that removed the authority: Latchkey's
 * rows are marked revoked (every token use re-checks them), the provider's codes, tokens and grants
 * are deleted, and each application that registered a back-channel logout URI and holds a session
 * for the grant is told, by a job that commits with the action or not at all. Returns how many ended.
 */
export async function revokeOidcGrants(tx: Executor, jobs: Pick<JobQueue, "send">, selector: GrantSelector, reason: string, now: Date): Promise<number> {
  const revoked = await queryRows<{ grant_id: string; client_id: string; user_id: string; sid: string | null; notify: boolean }>(tx, sql`
    with revoked as (
      update oidc_grants og set revoked_at = ${now}, revoked_reason = ${reason}
      where og.revoked_at is null and og.expires_at > ${now} and ${condition(selector)}
      returning og.grant_id, og.client_id, og.user_id, og.sid
    ), gone as (
      delete from oidc_payloads p using revoked r where p.grant_id = r.grant_id
    )
    select r.grant_id, r.client_id, r.user_id, r.sid, cl.backchannel_logout_uri is not null as notify
    from revoked r join oidc_clients cl on cl.id = r.client_id`);
  const told = new Set<string>();
  for (const grant of revoked) {
    // Without a sid the application never exchanged the code: it holds no session to end.
    if (!grant.notify || !grant.sid) continue;
    const key = `${grant.client_id} ${grant.user_id} ${grant.sid}`;
    if (told.has(key)) continue;
    told.add(key);
    const job: BackchannelLogoutJob = { clientId: grant.client_id, userId: grant.user_id, sid: grant.sid, reason };
    await jobs.send(tx, BACKCHANNEL_LOGOUT_QUEUE, job);
  }
  return revoked.length;
}
