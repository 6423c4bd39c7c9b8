import { and, eq, ne } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { companies, users } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import type { Role } from "../access/roles.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { withdrawAuthorityAfterRoleChange } from "../grants/drop-grants-of-member.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { normalizeEmail } from "../email-address.ts";

export interface SetRoleAsOperatorInput {
  email: string;
  role: Role;
}

/**
 * The operator's override of the roles table: the only way to make or unmake an administrator.
 * The one rule it keeps is that a company never loses its last active administrator.
 */
export async function setRoleAsOperator(deps: Pick<Deps, "db" | "clock" | "jobs">, input: SetRoleAsOperatorInput) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, name: users.name, email: users.email, role: users.role, status: users.status, companyId: users.companyId, companyName: companies.name })
      .from(users)
      .innerJoin(companies, eq(companies.id, users.companyId))
      .where(eq(users.emailNormalized, normalizeEmail(input.email)))
      .for("update", { of: users })
      .limit(1);
    assertThat(user, "NOT_FOUND", `No user has the email address ${input.email}.`);
    if (user.role === input.role) return { changed: false as const, user, from: user.role, to: input.role };

    if (user.role === "administrator" && user.status === "active") {
      // Lock the company's other administrators too, so two demotions at once cannot both pass.
      const others = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.companyId, user.companyId), eq(users.role, "administrator"), eq(users.status, "active"), ne(users.id, user.id)))
        .for("update");
      assertThat(others.length > 0, "LAST_ADMINISTRATOR");
    }

    await tx.update(users).set({ role: input.role, updatedAt: now }).where(eq(users.id, user.id));
    const grantsDropped = await withdrawAuthorityAfterRoleChange(tx, user, input.role, { actor: null, now });
    await revokeOidcGrants(tx, deps.jobs, { userId: user.id }, "role_changed", now);
    await recordAuditEvent(tx, {
      action: "user.role_changed",
      actorUserId: null,
      targetUserId: user.id,
      targetCompanyId: user.companyId,
      details: { via: "cli", from: user.role, to: input.role, ...(grantsDropped ? { grantsDropped } : {}) },
      at: now,
    });
    return { changed: true as const, user, from: user.role, to: input.role };
  });
}
