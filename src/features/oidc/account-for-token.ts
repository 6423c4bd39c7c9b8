import { sql, type SQL } from "drizzle-orm";
import { preparedStatement, type Executor } from "../../db/client.ts";
import { linkedCompanyRule } from "../access/linked-company-access.ts";
import type { Role } from "../access/roles.ts";

export type CompanyAccess = "member" | "grant" | "parent_administrator";

/** Who a token speaks for, as the database says right now. */
export interface TokenAccount {
  userId: string;
  email: string;
  emailVerified: boolean;
  name: string;
  role: Role;
  companyId: string;
  companyName: string;
  /** Null when asked without a grant (the provider's session during an authorization). */
  acting: { companyId: string; companyName: string; access: CompanyAccess } | null;
}

export interface AccountRow {
  id: string;
  email: string;
  email_verified: boolean;
  name: string;
  role: Role;
  company_id: string;
  company_name: string;
  grant_id: string | null;
  acting_company_id: string | null;
  acting_company_name: string | null;
  management_grant_id: string | null;
}

const param = (name: string) => sql.placeholder(name);

/**
 * The account behind a token: the user active in a live company, Latchkey's row of the grant live,
 * and — acting in a linked company — the linked-company rule of access/ for the member as this row
 * reads them (the session lookup's rule, not written again). A revoked grant, an un-link or a
 * lowered role refuses the very next use of a token, even if nothing revoked it explicitly. Also
 * read, with the token itself, by the provider's prefetch (src/oidc/prefetch.ts).
 */
export function accountForGrantQuery(userId: SQL, grantId: SQL, now: SQL): SQL {
  return sql`
    select u.id, u.email, u.email_verified_at is not null as email_verified, u.name, u.role, u.company_id, c.name as company_name,
           og.grant_id, ac.id as acting_company_id, ac.name as acting_company_name, mg.id as management_grant_id
    from users u
    join companies c on c.id = u.company_id and c.deleted_at is null
    left join oidc_grants og on og.grant_id = ${grantId} and og.user_id = u.id and og.revoked_at is null and og.expires_at > ${now}
    left join companies ac on ac.id = og.acting_company_id and ac.deleted_at is null
      and (ac.id = u.company_id or ${linkedCompanyRule(sql`ac`, { userId: sql`u.id`, companyId: sql`u.company_id`, role: sql`u.role` })})
    left join management_grants mg on mg.company_id = ac.id and mg.team_member_id = u.id and ac.id <> u.company_id
    where u.id = ${userId} and u.status = 'active'
    limit 1`;
}

/** One statement behind every code exchange, refresh and userinfo. Built once, prepared once per connection. */
const accountForGrant = preparedStatement<AccountRow, { userId: string; grantId: string; now: Date }>(
  "oidc_account_for_grant",
  accountForGrantQuery(sql`${param("userId")}::uuid`, sql`${param("grantId")}`, sql`${param("now")}`),
);

/** The account without a grant (the provider's session during an authorization); also read ahead with the interaction it resumes. */
export function accountOnlyQuery(userId: SQL): SQL {
  return sql`
    select u.id, u.email, u.email_verified_at is not null as email_verified, u.name, u.role, u.company_id, c.name as company_name,
           null::text as grant_id, null::uuid as acting_company_id, null::text as acting_company_name, null::uuid as management_grant_id
    from users u join companies c on c.id = u.company_id and c.deleted_at is null
    where u.id = ${userId} and u.status = 'active'`;
}

const accountOnly = preparedStatement<AccountRow, { userId: string }>("oidc_account", accountOnlyQuery(sql`${param("userId")}::uuid`));

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function accountOf(row: AccountRow): TokenAccount {
  const acting =
    row.acting_company_id && row.acting_company_name
      ? {
          companyId: row.acting_company_id,
          companyName: row.acting_company_name,
          access: (row.acting_company_id === row.company_id ? "member" : row.management_grant_id ? "grant" : "parent_administrator") as CompanyAccess,
        }
      : null;
  return {
    userId: row.id,
    email: row.email,
    emailVerified: row.email_verified,
    name: row.name,
    role: row.role,
    companyId: row.company_id,
    companyName: row.company_name,
    acting,
  };
}

/**
 * The account a token may still speak for, or null: with a grant id, only while that grant gives
 * the user authority in its acting company; without one, only while the user is active.
 */
export async function findAccountForToken(db: Executor, input: { userId: string; grantId: string | undefined; now: Date }): Promise<TokenAccount | null> {
  if (!UUID.test(input.userId)) return null;
  if (input.grantId === undefined) {
    const [row] = await accountOnly(db, { userId: input.userId });
    return accountWithoutGrant(row);
  }
  const [row] = await accountForGrant(db, { userId: input.userId, grantId: input.grantId, now: input.now });
  return accountWithGrant(row);
}

export function accountWithoutGrant(row: AccountRow | undefined): TokenAccount | null {
  return row ? accountOf(row) : null;
}

/** The account the grant's row allows, or null: no row, or no acting company the grant still gives. */
export function accountWithGrant(row: AccountRow | undefined): TokenAccount | null {
  if (!row) return null;
  const account = accountOf(row);
  return account.acting ? account : null;
}

/** The provider's session id for the client, learnt at the code exchange: back-channel logout names it. */
const recordSid = preparedStatement<never, { grantId: string; sid: string }>("oidc_grant_sid", sql`
    update oidc_grants set sid = ${param("sid")} where grant_id = ${param("grantId")} and sid is distinct from ${param("sid")}`);

export async function recordGrantSid(db: Executor, grantId: string, sid: string): Promise<void> {
  await recordSid(db, { grantId, sid });
}

/** Claims by scope (provider.ts declares which claim belongs to which scope). */
export function claimsOf(account: TokenAccount): Record<string, unknown> {
  const acting = account.acting ?? { companyId: account.companyId, companyName: account.companyName, access: "member" as const };
  const linked = acting.companyId !== account.companyId;
  return {
    sub: account.userId,
    email: account.email,
    email_verified: account.emailVerified,
    name: account.name,
    company_id: acting.companyId,
    company_name: acting.companyName,
    company_role: account.role,
    company_access: acting.access,
    ...(linked ? { home_company_id: account.companyId, home_company_name: account.companyName } : {}),
  };
}
