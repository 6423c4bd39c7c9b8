import type { Deps } from "../../deps.ts";
import { isUniqueViolation } from "../../db/errors.ts";
import { companies, userLogins, users } from "../../db/schema.ts";
import { AppError, assertThat } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { checkPasswordPolicy, hashPassword } from "../auth/passwords.ts";
import { createSession } from "../auth/sessions.ts";
import { normalizeEmail } from "../email-address.ts";
import { nameSortKey } from "../users/user-name.ts";
import { enforceClientLimit, type RateRule } from "../rate-limit.ts";

/**
 * Registrations per client address per hour (decision 0020): a company and an administrator are rows
 * nobody cleans up, and each registration costs an argon2 hash. `REGISTRATION_LIMIT_PER_HOUR`
 * (default ten) leaves room for a person's retries; an operator onboarding many companies from one
 * office, or a test server registering a company per journey, raises it.
 */
export function registrationLimit(config: Pick<Deps["config"], "registrationLimitPerHour">): RateRule {
  return { limit: config.registrationLimitPerHour, windowMs: 3_600_000 };
}

export interface RegisterCompanyInput {
  companyName: string;
  name: string;
  email: string;
  password: string;
  clientAddress: string;
  userAgent: string | undefined;
}

/** Creates a company and its first administrator, and signs them in. */
export async function registerCompany(deps: Pick<Deps, "db" | "clock" | "config">, input: RegisterCompanyInput) {
  assertThat(deps.config.signup, "SIGNUP_DISABLED");
  checkPasswordPolicy(input.password, { minLength: deps.config.passwordMinLength, email: input.email, companyName: input.companyName });
  const now = deps.clock.now();
  // Counted before the hash and whatever the outcome: "email taken" answers count too, so the
  // form cannot be used to test addresses, or to burn CPU, without limit.
  await enforceClientLimit(deps.db, { key: `register:client:${input.clientAddress}`, rule: registrationLimit(deps.config), clientAddress: input.clientAddress, flow: "register" }, now);
  const passwordHash = await hashPassword(input.password);
  try {
    return await deps.db.transaction(async (tx) => {
      const [company] = await tx.insert(companies).values({ name: input.companyName, contactEmail: input.email, lastLoginAt: now, createdAt: now, updatedAt: now }).returning();
      if (!company) throw new Error("company insert returned nothing");
      const [user] = await tx
        .insert(users)
        .values({
          companyId: company.id,
          email: input.email,
          emailNormalized: normalizeEmail(input.email),
          name: input.name,
          nameSort: nameSortKey(input.name),
          role: "administrator",
          passwordHash,
          passwordChangedAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!user) throw new Error("user insert returned nothing");
      await tx.insert(userLogins).values({ userId: user.id, lastLoginAt: now });
      const session = await createSession(tx, {
        userId: user.id,
        companyId: company.id,
        now,
        ttlMs: deps.config.sessionTtlMs,
        clientAddress: input.clientAddress,
        userAgent: input.userAgent,
      });
      await recordAuditEvent(tx, {
        action: "company.registered",
        actorUserId: user.id,
        actorCompanyId: company.id,
        targetUserId: user.id,
        targetCompanyId: company.id,
        clientAddress: input.clientAddress,
        at: now,
      });
      return { company, user, sessionToken: session.token };
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_email_normalized_key")) throw new AppError("EMAIL_TAKEN");
    throw error;
  }
}
