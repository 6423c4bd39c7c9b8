import { sql } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { queryRows } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { PersonActor } from "../access/actor.ts";
import { findManageableCompany, holdAuthorityInActingCompany, manageableBy, type Member } from "../access/linked-company-access.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import type { CompanyAccess } from "./account-for-token.ts";
import { insertGrantRow } from "./grant-rows.ts";

const memberOf = (actor: PersonActor): Member => ({ userId: actor.userId, companyId: actor.companyId, role: actor.role });

/** The picker: the member's own company, then exactly the linked companies they may act in (the managed-companies rule). */
export async function companiesForPicker(deps: Pick<Deps, "db">, actor: PersonActor): Promise<Array<{ id: string; name: string; own: boolean }>> {
  const linked = await queryRows<{ id: string; name: string }>(deps.db, sql`
    select c.id, c.name from companies c where ${manageableBy(memberOf(actor))} order by lower(c.name), c.id limit 500`);
  return [{ id: actor.companyId, name: actor.companyName, own: true }, ...linked.map((row) => ({ ...row, own: false }))];
}

export interface AuthorizeClientInput {
  actor: PersonActor;
  client: { id: string; name: string };
  /** The authorization request's `company`: absent, `select`, or a company id. */
  requested: string | undefined;
  /** The company picked on the page, when the request asked for the picker. */
  chosen: string | undefined;
  scope: string;
  grantTtlSeconds: number;
  /** Creates the provider's Grant once Latchkey agreed; returns its id. */
  createGrant(): Promise<string>;
}

export type AuthorizeClientResult = { authorized: true; grantId: string; actingCompanyId: string } | { authorized: false };

/**
 * The "continue" step of an application's sign-in: the company the user will act in, checked
 * exactly as the dashboard's switch checks it (findManageableCompany), then the provider's grant and
 * Latchkey's row of it, which every later token use re-checks. A company the user may not act in —
 * not linked, deleted, another parent's, no grant — is one answer: refused, audited, nothing issued.
 */
export async function authorizeClient(deps: Pick<Deps, "db" | "clock">, input: AuthorizeClientInput): Promise<AuthorizeClientResult> {
  const { actor } = input;
  const now = deps.clock.now();
  const target = input.requested === undefined ? actor.companyId : input.requested.toLowerCase() === "select" ? input.chosen : input.requested;
  if (!target) throw new AppError("VALIDATION_FAILED", "Choose the company to sign in to.");
  let access: CompanyAccess = "member";
  let managementGrantId: string | null = null;
  if (target.toLowerCase() !== actor.companyId) {
    const company = await findManageableCompany(deps.db, memberOf(actor), target.toLowerCase());
    if (!company) {
      await recordAuditEvent(deps.db, {
        action: "oidc.authorization_refused",
        outcome: "refused",
        actor,
        targetUserId: actor.userId,
        details: { clientId: input.client.id, clientName: input.client.name, reason: "company_not_available" },
        at: now,
      });
      return { authorized: false };
    }
    access = company.grantId ? "grant" : "parent_administrator";
    managementGrantId = company.grantId;
  }
  const actingCompanyId = target.toLowerCase();
  const grantId = await input.createGrant();
  const row = {
    grantId,
    userId: actor.userId,
    clientId: input.client.id,
    sessionId: actor.sessionId,
    actingCompanyId,
    access,
    scope: input.scope,
    createdAt: now,
    expiresAt: new Date(now.getTime() + input.grantTtlSeconds * 1000),
  };
  const audit = {
    action: "oidc.authorized" as const,
    actor,
    targetUserId: actor.userId,
    targetCompanyId: actingCompanyId,
    details: { clientId: input.client.id, clientName: input.client.name, grantId, access, scope: input.scope },
    at: now,
  };
  if (actingCompanyId === actor.companyId) {
    // One's own company holds nothing that a revocation could take meanwhile: one statement, no transaction.
    await insertGrantRow(deps.db, row, audit);
  } else {
    await deps.db.transaction(async (tx) => {
      // A revocation landing at this moment either waits for this row (and revokes it) or wins (404).
      await holdAuthorityInActingCompany(tx, { userId: actor.userId, role: actor.role, companyId: actor.companyId, actingCompanyId, grantId: managementGrantId });
      await insertGrantRow(tx, row, audit);
    });
  }
  return { authorized: true, grantId, actingCompanyId };
}
