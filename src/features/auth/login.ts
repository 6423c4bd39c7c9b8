import { sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { queryRowsPrepared } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { RateRule } from "../rate-limit.ts";
import { normalizeEmail } from "../users/email-address.ts";
import { dummyVerify, verifyPassword } from "./passwords.ts";
import { digestToken, newSecretToken } from "./tokens.ts";

/** Consecutive failures for one account from one client, and failures from one client in a day. */
export const LOGIN_LIMITS = {
  accountClient: { limit: 10, windowMs: 15 * 60_000 } satisfies RateRule,
  clientDaily: { limit: 300, windowMs: 24 * 3_600_000 } satisfies RateRule,
};

export interface LoginInput {
  email: string;
  password: string;
  clientAddress: string;
  userAgent: string | undefined;
}

interface Attempt {
  account_count: number;
  client_count: number;
  id: string | null;
  company_id: string | null;
  password_hash: string | null;
}

/**
 * A login is an argon2 verification and two statements, both prepared once per connection: the
 * only expensive work is the hash (issue 6 measures the rest against bare argon2). The statements
 * keep the rules of rate-limit.ts, sessions.ts and record-audit-event.ts; login.test.ts checks the
 * rows they write.
 */
export async function login(deps: Pick<Deps, "db" | "clock" | "config">, input: LoginInput) {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  const accountKey = `login:account-client:${email}:${input.clientAddress}`;
  const clientKey = `login:client-daily:${input.clientAddress}`;
  const accountFloor = new Date(now.getTime() - LOGIN_LIMITS.accountClient.windowMs);
  const clientFloor = new Date(now.getTime() - LOGIN_LIMITS.clientDaily.windowMs);

  // 1. Count the attempt on both limits before the password is checked (checking first and counting
  // after a failure let twenty parallel guesses all pass a limit of ten; a success gives its count
  // back), and find the account — one round trip. Rows lock in one order, account key first.
  const [attempt] = await queryRowsPrepared<Attempt>(deps.db, "login_attempt", sql`
    with hits as (
      insert into rate_limits as r (key, window_start, count) values (${accountKey}, ${now}, 1), (${clientKey}, ${now}, 1)
      on conflict (key) do update set
        count = case when r.window_start <= (case when r.key = ${accountKey} then ${accountFloor}::timestamptz else ${clientFloor}::timestamptz end) then 1 else r.count + 1 end,
        window_start = case when r.window_start <= (case when r.key = ${accountKey} then ${accountFloor}::timestamptz else ${clientFloor}::timestamptz end) then ${now} else r.window_start end
      returning key, count
    )
    select (select count from hits where key = ${accountKey})::int as account_count,
           (select count from hits where key = ${clientKey})::int as client_count,
           u.id, u.company_id, u.password_hash
    from (select 1) as one
    left join lateral (
      select users.id, users.company_id, users.password_hash
      from users join companies c on c.id = users.company_id and c.deleted_at is null
      where users.email_normalized = ${email} and users.status = 'active'
      limit 1
    ) u on true`);
  if (!attempt) throw new Error("the login statement returned no row");
  if (attempt.account_count > LOGIN_LIMITS.accountClient.limit || attempt.client_count > LOGIN_LIMITS.clientDaily.limit) {
    await recordAuditEvent(deps.db, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "login" }, at: now });
    throw new AppError("RATE_LIMITED");
  }

  // Unknown, deactivated and password-less accounts cost one argon2 verification too, so timing tells nothing.
  const ok = attempt.password_hash ? await verifyPassword(attempt.password_hash, input.password) : await dummyVerify(input.password);
  if (!attempt.id || !attempt.company_id || !ok) {
    await recordAuditEvent(deps.db, {
      action: "login.failed",
      outcome: "failure",
      targetUserId: attempt.id,
      targetCompanyId: attempt.company_id,
      clientAddress: input.clientAddress,
      at: now,
    });
    throw new AppError("INVALID_CREDENTIALS");
  }

  // 2. Success, in one statement (atomic without a transaction): forget the account's failures
  // (its window is moved back to 1970, so the next failure starts a new one — as if the row were
  // gone), give back the client's count, note the login, open the session (only its digest is
  // stored) and audit it. The rate-limit rows are locked first, in step 1's order (account, then
  // client): two WITH parts each locking one row ran in PostgreSQL's own order and deadlocked with
  // step 1 under concurrent logins. PostgreSQL runs every data-modifying WITH part exactly once.
  const sessionToken = newSecretToken();
  const expiresAt = new Date(now.getTime() + deps.config.sessionTtlMs);
  await queryRowsPrepared(deps.db, "login_succeeded", sql`
    with locked as materialized (
           select key from rate_limits where key in (${accountKey}, ${clientKey})
           order by key = ${accountKey} desc
           for update
         ),
         settled as (
           update rate_limits set
             count = case when key = ${accountKey} then 0 else greatest(count - 1, 0) end,
             window_start = case when key = ${accountKey} then 'epoch'::timestamptz else window_start end
           where key in (select key from locked)
         ),
         touched as (update users set last_login_at = ${now} where id = ${attempt.id}),
         audited as (
           insert into audit_events (at, action, outcome, actor_user_id, actor_company_id, target_user_id, target_company_id, client_address, details)
           values (${now}, 'login.succeeded', 'success', ${attempt.id}, ${attempt.company_id}, ${attempt.id}, ${attempt.company_id}, ${input.clientAddress}, '{}'::jsonb)
         )
    insert into sessions (token_hash, user_id, acting_company_id, created_at, last_seen_at, expires_at, client_address, user_agent)
    values (${digestToken(sessionToken)}, ${attempt.id}, ${attempt.company_id}, ${now}, ${now}, ${expiresAt}, ${input.clientAddress}, ${input.userAgent?.slice(0, 300) ?? null})`);
  return { sessionToken };
}
