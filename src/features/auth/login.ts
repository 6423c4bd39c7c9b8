import { and, eq, isNull } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { companies, users } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { clearRateLimit, hitRateLimit, refundRateLimitHit, type RateRule } from "../rate-limit.ts";
import { normalizeEmail } from "../users/email-address.ts";
import { dummyVerify, verifyPassword } from "./passwords.ts";
import { createSession } from "./sessions.ts";

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

export async function login(deps: Pick<Deps, "db" | "clock" | "config">, input: LoginInput) {
  const now = deps.clock.now();
  const email = normalizeEmail(input.email);
  const accountKey = `login:account-client:${email}:${input.clientAddress}`;
  const clientKey = `login:client-daily:${input.clientAddress}`;
  // Each attempt is counted before its password is checked: checking first and counting after a
  // failure let twenty parallel guesses all pass a limit of ten. A success gives its count back.
  const account = await hitRateLimit(deps.db, accountKey, LOGIN_LIMITS.accountClient, now);
  const client = account.allowed ? await hitRateLimit(deps.db, clientKey, LOGIN_LIMITS.clientDaily, now) : null;
  if (!account.allowed || !client?.allowed) {
    await recordAuditEvent(deps.db, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "login" }, at: now });
    throw new AppError("RATE_LIMITED");
  }

  const [found] = await deps.db
    .select({ id: users.id, companyId: users.companyId, passwordHash: users.passwordHash })
    .from(users)
    .innerJoin(companies, and(eq(companies.id, users.companyId), isNull(companies.deletedAt)))
    .where(and(eq(users.emailNormalized, email), eq(users.status, "active")))
    .limit(1);

  // Unknown, deactivated and password-less accounts cost one argon2 verification too, so timing tells nothing.
  const ok = found?.passwordHash ? await verifyPassword(found.passwordHash, input.password) : await dummyVerify(input.password);
  if (!found || !ok) {
    await recordAuditEvent(deps.db, {
      action: "login.failed",
      outcome: "failure",
      targetUserId: found?.id ?? null,
      targetCompanyId: found?.companyId ?? null,
      clientAddress: input.clientAddress,
      at: now,
    });
    throw new AppError("INVALID_CREDENTIALS");
  }

  const user = found;
  return deps.db.transaction(async (tx) => {
    await tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id));
    await clearRateLimit(tx, accountKey);
    await refundRateLimitHit(tx, clientKey);
    const session = await createSession(tx, {
      userId: user.id,
      companyId: user.companyId,
      now,
      ttlMs: deps.config.sessionTtlMs,
      clientAddress: input.clientAddress,
      userAgent: input.userAgent,
    });
    await recordAuditEvent(tx, {
      action: "login.succeeded",
      actorUserId: user.id,
      actorCompanyId: user.companyId,
      targetUserId: user.id,
      targetCompanyId: user.companyId,
      clientAddress: input.clientAddress,
      at: now,
    });
    return { sessionToken: session.token };
  });
}
