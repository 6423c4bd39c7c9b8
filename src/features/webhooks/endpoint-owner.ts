import { and, eq, isNull, type SQL } from "drizzle-orm";
import { webhookEndpoints } from "../../db/schema.ts";
import { assertCan } from "../access/authorize.ts";
import type { Actor } from "../access/actor.ts";

/**
 * Whose endpoints a call works on: the company an administrator acts in, or — from the operator's
 * CLI, with no actor — the platform's (company null), which receive every company's events.
 */
export type EndpointOwner = { companyId: string; actor: Actor } | { companyId: null; actor: null };

/** An administrator's endpoints are those of the company they act in (decision 0031). */
export function companyOwner(actor: Actor): EndpointOwner {
  assertCan(actor, "webhooks.manage");
  return { companyId: actor.actingCompanyId, actor };
}

export const PLATFORM_OWNER: EndpointOwner = { companyId: null, actor: null };

/** The owner in the query: another company's endpoint and a missing one look the same (404). */
export function ownedEndpoint(owner: EndpointOwner, endpointId: string): SQL | undefined {
  return and(eq(webhookEndpoints.id, endpointId), owner.companyId ? eq(webhookEndpoints.companyId, owner.companyId) : isNull(webhookEndpoints.companyId));
}

/** The audit row's who and where for an action on an endpoint, with its details. */
export function auditOf(owner: EndpointOwner, details: Record<string, unknown>) {
  return { actor: owner.actor, targetCompanyId: owner.companyId, details: owner.actor ? details : { via: "cli", ...details } };
}
