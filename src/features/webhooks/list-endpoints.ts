import { asc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { webhookEndpoints } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { ownedEndpoint, type EndpointOwner } from "./endpoint-owner.ts";
import { ENDPOINT_COLUMNS, type EndpointView } from "./endpoint-view.ts";

export async function listEndpoints(db: Db, owner: EndpointOwner): Promise<EndpointView[]> {
  return db
    .select(ENDPOINT_COLUMNS)
    .from(webhookEndpoints)
    .where(owner.companyId ? eq(webhookEndpoints.companyId, owner.companyId) : isNull(webhookEndpoints.companyId))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

/** One endpoint of the owner; another company's is NOT_FOUND, like a missing one. */
export async function getEndpoint(db: Db, owner: EndpointOwner, endpointId: string): Promise<EndpointView> {
  const [row] = await db.select(ENDPOINT_COLUMNS).from(webhookEndpoints).where(ownedEndpoint(owner, endpointId));
  assertThat(row, "NOT_FOUND");
  return row;
}
