import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client.ts";
import { auditEvents } from "../../db/schema.ts";
import type { Actor } from "../access/actor.ts";
import type { AuditAction, AuditEventInput } from "./audit-event.ts";
import { recordWebhookEvents } from "./record-webhook-events.ts";

export { AUDIT_ACTIONS, type AuditAction, type AuditEventInput } from "./audit-event.ts";

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

/**
 * AUDIT_INSERT's values for an event (all null when there is none: the statement must then not
 * insert). A statement that writes an audit row this way must also call recordWebhookEvents
 * (./record-webhook-events.ts) in its transaction, as recordAuditEvent does.
 */
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
  // The webhook events the action is, in the same transaction (decision 0032).
  await recordWebhookEvents(db, event);
}

/** A signed-in actor's action on another user: the target and its company come from the user's row. */
export function recordActionOnUser(db: Executor, actor: Actor, action: AuditAction, user: { id: string; companyId: string }, details: Record<string, unknown>, at: Date): Promise<void> {
  return recordAuditEvent(db, { action, actor, targetUserId: user.id, targetCompanyId: user.companyId, details, at });
}
