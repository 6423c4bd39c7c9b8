import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { queryRows, type Executor } from "../../db/client.ts";
import type { AuditEventInput } from "./audit-event.ts";
import type { Actor } from "../access/actor.ts";
import type { WebhookEventType } from "./webhook-event-types.ts";
import { EVENTS_OF_AUDIT_ACTION, eventDataOf } from "./webhook-events-of-audit.ts";

/** Who acted, as an event names them (never an email address or a session). */
export type EventActor =
  | { type: "user"; id: string; name: string; companyId: string }
  | { type: "api_client"; id: string; name: string; companyId: string }
  | { type: "operator" };

function actorParams(event: AuditEventInput): { actorJson: string | null; actorUserId: string | null } {
  const actor: Actor | null | undefined = event.actor;
  if (actor?.client) {
    const named: EventActor = { type: "api_client", id: actor.client.id, name: actor.client.name, companyId: actor.companyId };
    return { actorJson: JSON.stringify(named), actorUserId: null };
  }
  if (actor) {
    const named: EventActor = { type: "user", id: actor.userId, name: actor.name, companyId: actor.companyId };
    return { actorJson: JSON.stringify(named), actorUserId: null };
  }
  // No session (forgot password, a completed reset): the user named by the row, looked up below.
  if (event.actorUserId) return { actorJson: null, actorUserId: event.actorUserId };
  // The operator's CLI and the system have no user.
  return { actorJson: JSON.stringify({ type: "operator" } satisfies EventActor), actorUserId: null };
}

/**
 * Writes the webhook events an audited action is, in the caller's transaction: for each, one event
 * row and one delivery row per enabled endpoint that wants it (the company's and the platform's), in
 * one statement. Nothing is written when no endpoint wants it. Called by the audit write itself, so
 * no action can forget it, and an action rolled back leaves no event (decision 0032).
 */
export async function recordWebhookEvents(db: Executor, event: AuditEventInput): Promise<void> {
  if ((event.outcome ?? "success") !== "success") return;
  const types = EVENTS_OF_AUDIT_ACTION[event.action];
  if (!types || types.length === 0) return;
  for (const type of types) await recordWebhookEvent(db, type, event);
}

async function recordWebhookEvent(db: Executor, type: WebhookEventType, event: AuditEventInput): Promise<void> {
  const onCompany = type.startsWith("company.");
  const targetUserId = onCompany ? null : (event.targetUserId ?? null);
  const targetCompanyId = event.targetCompanyId ?? null;
  const subjectType = onCompany ? "company" : "user";
  const { actorJson, actorUserId } = actorParams(event);
  // A link names two companies: both hear of it. Otherwise the target company and the target user's.
  const alsoCompany = type === "company.linked" || type === "company.unlinked" ? (event.actorCompanyId ?? null) : null;
  const data = JSON.stringify(eventDataOf(type, event.action, event.details ?? {}));
  const eventId = randomUUID();
  const at = event.at.toISOString();
  await queryRows(db, sql`
    with target_user as (
      select id, email, name, role, status, company_id from users where id = ${targetUserId}::uuid
    ), target_company as (
      select id, name, parent_id from companies where id = coalesce(${targetCompanyId}::uuid, (select company_id from target_user))
    ), endpoints as (
      select id from webhook_endpoints
      where enabled and ${type} = any(events)
        and (company_id is null or company_id in (${targetCompanyId}::uuid, ${alsoCompany}::uuid, (select company_id from target_user)))
    ), subject as (
      select coalesce((select id from target_user), (select id from target_company)) as id
    ), event as (
      insert into webhook_events (id, type, company_id, occurred_at, payload)
      select ${eventId}::uuid, ${type}, (select id from target_company), ${at}::timestamptz,
        jsonb_build_object(
          'id', ${eventId}::text,
          'type', ${type}::text,
          'timestamp', ${at}::text,
          'companyId', (select id from target_company),
          'actor', coalesce(${actorJson}::jsonb,
            (select jsonb_build_object('type', 'user', 'id', u.id, 'name', u.name, 'companyId', u.company_id) from users u where u.id = ${actorUserId}::uuid)),
          'subject', jsonb_build_object('type', ${subjectType}::text, 'id', (select id from subject)),
          'data', ${data}::jsonb
            || coalesce((select jsonb_build_object('user', jsonb_build_object('id', id, 'email', email, 'name', name, 'role', role, 'status', status, 'companyId', company_id)) from target_user), '{}'::jsonb)
            || coalesce((select jsonb_build_object('company', jsonb_build_object('id', id, 'name', name, 'parentId', parent_id)) from target_company), '{}'::jsonb)
        )::text
      where exists (select 1 from endpoints) and (select id from subject) is not null
      returning id
    )
    insert into webhook_deliveries (event_id, endpoint_id, subject_key, next_attempt_at, created_at)
    select event.id, endpoints.id, ${subjectType}::text || ':' || (select id from subject)::text, ${at}::timestamptz, ${at}::timestamptz
    from event cross join endpoints`);
}
