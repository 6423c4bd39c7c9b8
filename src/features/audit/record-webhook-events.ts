import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { preparedStatement, type Executor } from "../../db/client.ts";
import type { AuditEventInput } from "./audit-event.ts";
import type { Actor } from "../access/actor.ts";
import type { WebhookEventType } from "./webhook-event-types.ts";
import { EVENTS_OF_AUDIT_ACTION, eventDataOf } from "./webhook-events-of-audit.ts";
import { webhookDeliveriesWritten } from "./webhook-nudge.ts";

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
  // No session (a completed reset): the user named by the row, looked up below.
  if (event.actorUserId) return { actorJson: null, actorUserId: event.actorUserId };
  // "Forgot password" is asked by whoever typed the address: nobody known, not the operator.
  if (event.details?.via === "forgot_password") return { actorJson: null, actorUserId: null };
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

/**
 * recordWebhookEvents for the events of one batch (the forgot-password worker's): one statement asks
 * which of their types any enabled endpoint wants, and only those are written, one statement each.
 * Usually no endpoint wants them, and a batch of a hundred costs one statement instead of a hundred.
 */
export async function recordBatchWebhookEvents(db: Executor, events: AuditEventInput[]): Promise<void> {
  const typesOf = (event: AuditEventInput) => ((event.outcome ?? "success") === "success" ? (EVENTS_OF_AUDIT_ACTION[event.action] ?? []) : []);
  const types = [...new Set(events.flatMap(typesOf))];
  if (types.length === 0) return;
  const wanted = new Set((await wantedWebhookTypes(db, { types })).map((row) => row.type));
  if (wanted.size === 0) return;
  for (const event of events) for (const type of typesOf(event)) if (wanted.has(type)) await recordWebhookEvent(db, type, event);
}

const param = (name: string) => sql.placeholder(name);

/** Which of these event types at least one enabled endpoint (any company's, or the platform's) wants. */
const wantedWebhookTypes = preparedStatement<{ type: string }, { types: string[] }>("webhook_types_wanted", sql`
    select distinct type from webhook_endpoints, unnest(events) as type
    where enabled and type = any(${param("types")}::text[])`);

/**
 * The event's common table expressions, its values as placeholders (webhookPlaceholders): the target
 * user's and company's snapshot, the endpoints that want the event, and the event row when any does.
 * A statement that writes an audit row with other rows (src/features/oidc/grant-rows.ts) appends
 * them to its own WITH, then WEBHOOK_DELIVERIES_INSERT, so the sign-in stays one statement.
 */
export const WEBHOOK_EVENT_CTES = sql`
    target_user as (
      select id, email, name, role, status, company_id from users where id = ${param("whTargetUserId")}::uuid
    ), target_company as (
      select id, name, parent_id from companies where id = coalesce(${param("whTargetCompanyId")}::uuid, (select company_id from target_user))
    ), endpoints as (
      select id from webhook_endpoints
      where enabled and ${param("whType")}::text = any(events)
        and (company_id is null or company_id in (${param("whTargetCompanyId")}::uuid, ${param("whAlsoCompanyId")}::uuid, (select company_id from target_user)))
    ), subject as (
      select coalesce((select id from target_user), (select id from target_company)) as id
    ), event as (
      insert into webhook_events (id, type, company_id, occurred_at, payload)
      select ${param("whEventId")}::uuid, ${param("whType")}::text, (select id from target_company), ${param("whAt")}::timestamptz,
        jsonb_build_object(
          'id', ${param("whEventId")}::text,
          'type', ${param("whType")}::text,
          'timestamp', ${param("whAtText")}::text,
          'companyId', (select id from target_company),
          'actor', coalesce(${param("whActorJson")}::jsonb,
            (select jsonb_build_object('type', 'user', 'id', u.id, 'name', u.name, 'companyId', u.company_id) from users u where u.id = ${param("whActorUserId")}::uuid)),
          'subject', jsonb_build_object('type', ${param("whSubjectType")}::text, 'id', (select id from subject)),
          'data', ${param("whData")}::jsonb
            || coalesce((select jsonb_build_object('user', jsonb_build_object('id', id, 'email', email, 'name', name, 'role', role, 'status', status, 'companyId', company_id)) from target_user), '{}'::jsonb)
            || coalesce((select jsonb_build_object('company', jsonb_build_object('id', id, 'name', name, 'parentId', parent_id)) from target_company), '{}'::jsonb)
        )::text
      where exists (select 1 from endpoints) and (select id from subject) is not null
      returning id
    )`;

/**
 * One delivery per endpoint that wants the event (none when the event was not written). Behind a
 * pending delivery of the same subject it waits with no due time: the worker gives it one when the
 * delivery before it settles, so only a subject's first delivery is ever looked at (decision 0032).
 * The check locks that pending row (FOR SHARE): its settlement then waits for this commit, and so
 * sees — and releases — the delivery written here.
 */
export const WEBHOOK_DELIVERIES_INSERT = sql`
    insert into webhook_deliveries (event_id, endpoint_id, subject_key, next_attempt_at, created_at)
    select event.id, endpoints.id, key.subject_key,
      case when exists (select 1 from webhook_deliveries p where p.endpoint_id = endpoints.id and p.subject_key = key.subject_key and p.status = 'pending' for share)
        then null else ${param("whAt")}::timestamptz end,
      ${param("whAt")}::timestamptz
    from event cross join endpoints cross join (select ${param("whSubjectType")}::text || ':' || (select id from subject)::text as subject_key) key
    returning 1 as written`;

/** WEBHOOK_EVENT_CTES's values for one event type of an audited action. */
export function webhookPlaceholders(type: WebhookEventType, event: AuditEventInput) {
  const onCompany = type.startsWith("company.");
  const { actorJson, actorUserId } = actorParams(event);
  return {
    whType: type,
    whEventId: randomUUID(),
    whAt: event.at,
    whAtText: event.at.toISOString(),
    whTargetUserId: onCompany ? null : (event.targetUserId ?? null),
    whTargetCompanyId: event.targetCompanyId ?? null,
    // A link names two companies: both hear of it. Otherwise the target company and the target user's.
    whAlsoCompanyId: type === "company.linked" || type === "company.unlinked" ? (event.actorCompanyId ?? null) : null,
    whActorJson: actorJson,
    whActorUserId: actorUserId,
    whSubjectType: onCompany ? "company" : "user",
    whData: JSON.stringify(eventDataOf(type, event.action, event.details ?? {})),
  };
}

/** The one webhook event type an action written by a combined statement is (it has room for one). */
export function singleWebhookEventOf(event: AuditEventInput): WebhookEventType | null {
  if ((event.outcome ?? "success") !== "success") return null;
  const types = EVENTS_OF_AUDIT_ACTION[event.action] ?? [];
  if (types.length > 1) throw new Error(`${event.action} is ${types.length} webhook events: write it with recordAuditEvent`);
  return types[0] ?? null;
}

const insertWebhookEvent = preparedStatement<{ written: number }, ReturnType<typeof webhookPlaceholders>>("webhook_event_insert", sql`
    with ${WEBHOOK_EVENT_CTES}
    ${WEBHOOK_DELIVERIES_INSERT}`);

async function recordWebhookEvent(db: Executor, type: WebhookEventType, event: AuditEventInput): Promise<void> {
  const written = await insertWebhookEvent(db, webhookPlaceholders(type, event));
  // The worker looks a moment later, once this transaction has (most likely) committed.
  if (written.length > 0) webhookDeliveriesWritten();
}
