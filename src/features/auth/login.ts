import { sql, type SQL } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { preparedStatement, type Executor } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { countRateLimitRefusals, crossedLimit, rateHitOf, rateLimited, type RateHit, type RateRule } from "../rate-limit.ts";
import { normalizeEmail } from "../email-address.ts";
import { countSignIn } from "../../metrics/metrics.ts";
import { dummyVerify, verifyPassword } from "./passwords.ts";
import { digestToken, newSecretToken } from "./tokens.ts";

/** Consecutive failures for one account from one client, and failures from one client in a day. */
export const LOGIN_LIMITS = {
  accountClient: { limit: 10, windowMs: 15 * 60_000 } satisfies RateRule,
  clientDaily: { limit: 300, windowMs: 24 * 3_600_000 } satisfies RateRule,
};

/** companies.last_login_at moves at most this often: a company's last sign-in is shown to the minute. */
export const COMPANY_LOGIN_PRECISION_MS = 60_000;

export interface LoginInput {
  email: string;
  password: string;
  clientAddress: string;
  userAgent: string | undefined;
}

interface Attempt {
  /** null when the client was over its daily limit, so the account+client row was left alone. */
  account_count: number | null;
  account_window_start: Date | string | null;
  client_count: number;
  client_window_start: Date | string;
  id: string | null;
  company_id: string | null;
  password_hash: string | null;
}

const param = (name: string) => sql.placeholder(name);

/**
 * Counts the attempt on both limits before the password is checked (checking first and counting
 * after a failure let twenty parallel guesses all pass a limit of ten; a success gives its count
 * back), and finds the account — one round trip. The client's daily row first; the account+client
 * row is counted (or created) only while the client is within its daily limit, so a client over it
 * cannot add a row per email it types (decision 0026). Rows lock in that order, client key first.
 */
const countAttempt = preparedStatement<Attempt, { accountKey: string; clientKey: string; now: Date; accountFloor: Date; clientFloor: Date; clientLimit: number; email: string }>("login_attempt", sql`
    with client_hit as (
      insert into rate_limits as r (key, window_start, count) values (${param("clientKey")}, ${param("now")}, 1)
      on conflict (key) do update set
        count = case when r.window_start <= ${param("clientFloor")}::timestamptz then 1 else r.count + 1 end,
        window_start = case when r.window_start <= ${param("clientFloor")}::timestamptz then ${param("now")} else r.window_start end
      returning count, window_start
    ),
    account_hit as (
      insert into rate_limits as r (key, window_start, count)
      select ${param("accountKey")}, ${param("now")}::timestamptz, 1 from client_hit where client_hit.count <= ${param("clientLimit")}::int
      on conflict (key) do update set
        count = case when r.window_start <= ${param("accountFloor")}::timestamptz then 1 else r.count + 1 end,
        window_start = case when r.window_start <= ${param("accountFloor")}::timestamptz then ${param("now")} else r.window_start end
      returning count, window_start
    )
    select (select count from account_hit)::int as account_count,
           (select window_start from account_hit) as account_window_start,
           (select count from client_hit)::int as client_count,
           (select window_start from client_hit) as client_window_start,
           u.id, u.company_id, u.password_hash
    from (select 1) as one
    left join lateral (
      select users.id, users.company_id, users.password_hash
      from users join companies c on c.id = users.company_id and c.deleted_at is null
      where users.email_normalized = ${param("email")} and users.status = 'active'
      limit 1
    ) u on true`);

/**
 * Success, in one statement (atomic without a transaction): forget the account's failures (its
 * window is moved back to 1970, so the next failure starts a new one — as if the row were gone),
 * give back the client's count, note the login (in user_logins, never a new version of the user's
 * row; on the company at most once a minute, so a sign-in storm in one company does not queue on
 * its row — decision 0015), open the session (only its digest is stored) and audit it. The
 * rate-limit rows are locked first, in countAttempt's order (client, then account): two WITH parts
 * each locking one row ran in PostgreSQL's own order and deadlocked with countAttempt under
 * concurrent logins. PostgreSQL runs every data-modifying WITH part exactly once.
 */
/**
 * The parts of recordSuccess, as WITH parts every one of which does its work only when `gate` (a
 * boolean SQL expression) holds: the second step of a sign-in (second-factor/take-second-step.ts)
 * opens the session in its own statement, gated on the step having passed. Its values are the
 * placeholders successValues fills. The session's insert is `opened`.
 */
export const loginSuccessParts = (gate: SQL) => sql`
    locked as materialized (
           select key from rate_limits where key in (${param("accountKey")}, ${param("clientKey")}) and ${gate}
           order by key = ${param("clientKey")} desc
           for update
         ),
         settled as (
           update rate_limits set
             count = case when key = ${param("accountKey")} then 0 else greatest(count - 1, 0) end,
             window_start = case when key = ${param("accountKey")} then 'epoch'::timestamptz else window_start end
           where key in (select key from locked)
         ),
         touched as (
           insert into user_logins (user_id, last_login_at) select ${param("userId")}::uuid, ${param("now")}::timestamptz where ${gate}
           on conflict (user_id) do update set last_login_at = excluded.last_login_at
         ),
         company_touched as (
           update companies set last_login_at = ${param("now")}
           where id = ${param("companyId")} and (last_login_at is null or last_login_at <= ${param("companyLoginFloor")}::timestamptz) and ${gate}
         ),
         audited as (
           insert into audit_events (at, action, outcome, actor_user_id, actor_company_id, target_user_id, target_company_id, client_address, details)
           select ${param("now")}::timestamptz, 'login.succeeded', 'success', ${param("userId")}::uuid, ${param("companyId")}::uuid, ${param("userId")}::uuid, ${param("companyId")}::uuid, ${param("clientAddress")}, ${param("details")}::jsonb
           where ${gate}
         ),
         opened as (
           insert into sessions (token_hash, user_id, acting_company_id, created_at, last_seen_at, expires_at, client_address, user_agent)
           select ${param("tokenHash")}, ${param("userId")}::uuid, ${param("companyId")}::uuid, ${param("now")}::timestamptz, ${param("now")}::timestamptz, ${param("expiresAt")}::timestamptz, ${param("clientAddress")}, ${param("userAgent")}
           where ${gate}
         )`;

/** The values of recordSuccess's (and loginSuccessParts') placeholders. */
export type SuccessValues = { accountKey: string; clientKey: string; now: Date; companyLoginFloor: Date; userId: string; companyId: string; clientAddress: string; tokenHash: string; expiresAt: Date; userAgent: string | null; details: string };

/**
 * Success, in one statement (atomic without a transaction): forget the account's failures (its
 * window is moved back to 1970, so the next failure starts a new one — as if the row were gone),
 * give back the client's count, note the login (in user_logins, never a new version of the user's
 * row; on the company at most once a minute, so a sign-in storm in one company does not queue on
 * its row — decision 0015), open the session (only its digest is stored) and audit it. The
 * rate-limit rows are locked first, in countAttempt's order (client, then account): two WITH parts
 * each locking one row ran in PostgreSQL's own order and deadlocked with countAttempt under
 * concurrent logins. PostgreSQL runs every data-modifying WITH part exactly once.
 */
const recordSuccess = preparedStatement<never, SuccessValues>("login_succeeded", sql`
    with ${loginSuccessParts(sql`true`)}
    select 1`);

/** Who the password was right for, and the keys its limits were counted on (completeLogin settles them). */
export interface PasswordChecked {
  userId: string;
  companyId: string;
  /** The normalised email the limits are keyed by. */
  email: string;
  now: Date;
}

/**
 * The password half of a sign-in: the limits counted, argon2 run, a failure audited and refused.
 * Opens nothing: the caller (second-factor/sign-in.ts) decides whether a second step is owed before
 * completeLogin opens the session.
 */
export async function checkLoginPassword(deps: Pick<Deps, "db" | "clock">, input: Pick<LoginInput, "email" | "password" | "clientAddress" | "userAgent">): Promise<PasswordChecked> {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  const { accountKey, clientKey } = loginKeys(email, input.clientAddress);
  const [attempt] = await countAttempt(deps.db, {
    accountKey,
    clientKey,
    now,
    accountFloor: new Date(now.getTime() - LOGIN_LIMITS.accountClient.windowMs),
    clientFloor: new Date(now.getTime() - LOGIN_LIMITS.clientDaily.windowMs),
    clientLimit: LOGIN_LIMITS.clientDaily.limit,
    email,
  });
  if (!attempt) throw new Error("the login statement returned no row");
  const client = rateHitOf(LOGIN_LIMITS.clientDaily, { count: attempt.client_count, window_start: attempt.client_window_start });
  const account = attempt.account_count === null || attempt.account_window_start === null ? null : rateHitOf(LOGIN_LIMITS.accountClient, { count: attempt.account_count, window_start: attempt.account_window_start });
  const refused = [client, account].filter((hit): hit is RateHit => hit !== null && !hit.allowed);
  if (refused.length > 0) {
    countSignIn("limited");
    countRateLimitRefusals([...(client?.allowed === false ? ["login:client_daily"] : []), ...(account?.allowed === false ? ["login:account_client"] : [])]);
    // Only the attempt that crosses a limit is audited: the rows keep the count of those after it.
    if (crossedLimit(client, LOGIN_LIMITS.clientDaily) || crossedLimit(account, LOGIN_LIMITS.accountClient)) {
      await recordAuditEvent(deps.db, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "login" }, at: now });
    }
    throw rateLimited(refused, now);
  }

  // Unknown, deactivated and password-less accounts cost one argon2 verification too, so timing tells nothing.
  const ok = attempt.password_hash ? await verifyPassword(attempt.password_hash, input.password) : await dummyVerify(input.password);
  if (!attempt.id || !attempt.company_id || !ok) {
    countSignIn("wrong_password");
    await recordAuditEvent(deps.db, {
      action: "login.failed",
      outcome: "failure",
      targetUserId: attempt.id,
      targetCompanyId: attempt.company_id,
      clientAddress: input.clientAddress,
      details: signInDetails(input.userAgent),
      at: now,
    });
    throw new AppError("INVALID_CREDENTIALS");
  }
  return { userId: attempt.id, companyId: attempt.company_id, email, now };
}

/**
 * What a sign-in's audit row (success or failure) says of how it came: the browser's User-Agent, so
 * the user page's "Recent sign-ins" names the device like the sessions list does (decision 0051).
 */
export function signInDetails(userAgent: string | null | undefined, method?: "passkey"): Record<string, string> {
  return { ...(method ? { method } : {}), ...(userAgent ? { userAgent: userAgent.slice(0, 300) } : {}) };
}

/** The daily count of one client's sign-in failures, shared by every way of signing in (the password, a passkey). */
export const loginClientKey = (clientAddress: string) => `login:client-daily:${clientAddress}`;

function loginKeys(email: string, clientAddress: string) {
  return { accountKey: `login:account-client:${email}:${clientAddress}`, clientKey: loginClientKey(clientAddress) };
}

export interface CompleteLoginInput {
  userId: string;
  companyId: string;
  /** The normalised email: the account's failures from this client are forgotten. */
  email: string;
  clientAddress: string;
  userAgent: string | undefined;
  now: Date;
  /**
   * A passwordless sign-in names no email: its failures were counted on this key instead (the
   * passkey's credential from this client, features/passkeys), which the success forgets.
   */
  accountKey?: string;
  /** How the person proved who they are, when not by password (the audit row's details). */
  method?: "passkey";
}

/**
 * The one way a sign-in opens a session — after the password alone, or after the second step
 * (second-factor/, which passes its transaction so the step's consumption and the session commit
 * together). A login is an argon2 verification and two statements, both built once and prepared
 * once per connection: the only expensive work is the hash (issue 6 measures the rest against bare
 * argon2). The statements keep the rules of rate-limit.ts, sessions.ts and record-audit-event.ts;
 * login.test.ts checks the rows they write.
 */
export async function completeLogin(deps: Pick<Deps, "config">, db: Executor, input: CompleteLoginInput): Promise<{ sessionToken: string }> {
  const { sessionToken, values } = successValues(deps, input);
  await recordSuccess(db, values);
  countSignIn("success");
  return { sessionToken };
}

/** A new session's token, and the values recordSuccess (or loginSuccessParts in another statement) writes for it. */
export function successValues(deps: Pick<Deps, "config">, input: CompleteLoginInput): { sessionToken: string; values: SuccessValues } {
  const keys = loginKeys(input.email, input.clientAddress);
  const sessionToken = newSecretToken();
  const values: SuccessValues = {
    accountKey: input.accountKey ?? keys.accountKey,
    clientKey: keys.clientKey,
    now: input.now,
    companyLoginFloor: new Date(input.now.getTime() - COMPANY_LOGIN_PRECISION_MS),
    userId: input.userId,
    companyId: input.companyId,
    clientAddress: input.clientAddress,
    tokenHash: digestToken(sessionToken),
    expiresAt: new Date(input.now.getTime() + deps.config.sessionTtlMs),
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    details: JSON.stringify(signInDetails(input.userAgent, input.method)),
  };
  return { sessionToken, values };
}
