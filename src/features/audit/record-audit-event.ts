import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { auditEvents } from "../../db/schema.ts";
import type { Actor } from "../access/actor.ts";

export const AUDIT_ACTIONS = [
  "login.succeeded",
  "login.failed",
  "logout",
  "company.registered",
  "company.updated",
  "company.deleted",
  "company.restored",
  "company.linked",
  "company.unlinked",
  "company.created_linked",
  "user.created",
  "user.updated",
  "user.role_changed",
  "user.deactivated",
  "user.restored",
  "user.invitation_accepted",
  "user.invitation_sent",
  "password.changed",
  "password_reset.requested",
  "password_reset.completed",
  "password_reset.revoked",
  "link.rejected",
  "rate_limit.hit",
  "grant.given",
  "grant.revoked",
  "company.switched_in",
  "company.switched_out",
  "oidc.authorized",
  "oidc.authorization_refused",
  "oidc.token_issued",
  "oidc.token_refreshed",
  "oidc.token_revoked",
  "oidc.grant_refused",
  "oidc.client_auth_failed",
  "oidc.backchannel_failed",
  "oidc.client_created",
  "oidc.client_secret_rotated",
  "oidc.client_deleted",
  "oidc.signing_key_rotated",
  "api_client.created",
  "api_client.secret_rotated",
  "api_client.deleted",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEventInput {
  action: AuditAction;
  outcome?: "success" | "failure" | "refused";
  actor?: Actor | null;
  /** For actions with no session (login, forgot password): who the actor is, if known. */
  actorUserId?: string | null;
  /** For actions of a machine client with no actor (its token issued): the client, and its name for the log. */
  actorClientId?: string | null;
  actorClientName?: string | null;
  actorCompanyId?: string | null;
  targetUserId?: string | null;
  targetCompanyId?: string | null;
  clientAddress?: string | null;
  details?: Record<string, unknown>;
  at: Date;
}

/** The row an event becomes; also written by statements that insert it together with other rows (src/oidc/issued-tokens.ts). */
export function auditRowOf(event: AuditEventInput) {
  const clientName = event.actor?.client?.name ?? event.actorClientName ?? null;
  return {
    at: event.at,
    action: event.action,
    outcome: event.outcome ?? "success",
    actorUserId: event.actor?.userId ?? event.actorUserId ?? null,
    actorClientId: event.actor?.client?.id ?? event.actorClientId ?? null,
    actorCompanyId: event.actor?.companyId ?? event.actorCompanyId ?? null,
    actingCompanyId: event.actor?.actingCompanyId ?? null,
    grantId: event.actor?.grantId ?? null,
    targetUserId: event.targetUserId ?? null,
    targetCompanyId: event.targetCompanyId ?? null,
    clientAddress: event.actor?.clientAddress ?? event.clientAddress ?? null,
    // The client's name as it was: the log outlives a deleted client (decision 0028).
    details: clientName ? { ...event.details, actorClientName: clientName } : (event.details ?? {}),
  };
}

const param = (name: string) => sql.placeholder(name);

/**
 * For a statement that writes an audit row together with others (one round trip, one commit):
 * the insert, its values as placeholders that auditPlaceholders fills. Append a `where` to make it
 * conditional.
 */
export const AUDIT_INSERT = sql`
    insert into audit_events (at, action, outcome, actor_user_id, actor_client_id, actor_company_id, acting_company_id, grant_id, target_user_id,
                              target_company_id, client_address, details)
    select ${param("auditAt")}::timestamptz, ${param("auditAction")}, ${param("auditOutcome")}, ${param("auditActorUserId")}::uuid, ${param("auditActorClientId")}::text,
           ${param("auditActorCompanyId")}::uuid, ${param("auditActingCompanyId")}::uuid, ${param("auditGrantId")}::uuid,
           ${param("auditTargetUserId")}::uuid, ${param("auditTargetCompanyId")}::uuid, ${param("auditClientAddress")}, ${param("auditDetails")}::jsonb`;

/** AUDIT_INSERT's values for an event (all null when there is none: the statement must then not insert). */
export function auditPlaceholders(event: AuditEventInput | null) {
  const row = event ? auditRowOf(event) : null;
  return {
    auditAt: row?.at ?? null,
    auditAction: row?.action ?? null,
    auditOutcome: row?.outcome ?? null,
    auditActorUserId: row?.actorUserId ?? null,
    auditActorClientId: row?.actorClientId ?? null,
    auditActorCompanyId: row?.actorCompanyId ?? null,
    auditActingCompanyId: row?.actingCompanyId ?? null,
    auditGrantId: row?.grantId ?? null,
    auditTargetUserId: row?.targetUserId ?? null,
    auditTargetCompanyId: row?.targetCompanyId ?? null,
    auditClientAddress: row?.clientAddress ?? null,
    auditDetails: row ? JSON.stringify(row.details) : null,
  };
}

/** One row per security-relevant action. Never put a token, password or hash in `details`. */
export async function recordAuditEvent(db: Executor, event: AuditEventInput): Promise<void> {
  await db.insert(auditEvents).values(auditRowOf(event));
}

/** A signed-in actor's action on another user: the target and its company come from the user's row. */
export function recordActionOnUser(db: Executor, actor: Actor, action: AuditAction, user: { id: string; companyId: string }, details: Record<string, unknown>, at: Date): Promise<void> {
  return recordAuditEvent(db, { action, actor, targetUserId: user.id, targetCompanyId: user.companyId, details, at });
}
