import type { ApiScope } from "./api-scopes.ts";
import type { Role } from "./roles.ts";

/** What every actor has, person or machine client. */
interface ActorBase {
  /** The person's name, or the machine client's. */
  name: string;
  /** A person's role; a machine client acts with an administrator's, cut down to its scopes (decision 0028). */
  role: Role;
  /** The company the user (or client) belongs to. */
  companyId: string;
  companyName: string;
  /** The company the request works on: the own, or a linked company switched into (or named per request by a client). */
  actingCompanyId: string;
  actingCompanyName: string;
  /** The grant that allows acting in a linked company; null in one's own company. */
  grantId: string | null;
  /** Acting in a linked company by the parent administrator's implicit access, not a grant. */
  implicitAccess: boolean;
  clientAddress: string;
}

/** Who is acting, resolved afresh from the database on every request (no cached permission). */
export interface PersonActor extends ActorBase {
  sessionId: string;
  userId: string;
  email: string;
  client: null;
}

/** A company's machine client calling the API with a bearer token (issue 17): no session, no user. */
export interface ClientActor extends ActorBase {
  sessionId: null;
  userId: null;
  email: null;
  client: ActorClient;
}

export type Actor = PersonActor | ClientActor;

/** A machine client acting for its company: what audit rows, emails and webhooks name it by. */
export interface ActorClient {
  id: string;
  name: string;
  scopes: readonly ApiScope[];
}

/** How the audit log and emails name a machine client: "API client Billing sync of Northwind". */
export function clientLabel(actor: Pick<ClientActor, "client" | "companyName">): string {
  return `API client ${actor.client.name} of ${actor.companyName}`;
}

/** Who a per-actor rate limit counts: a person, or a machine client (never confused: a client's key says so). */
export function actorKey(actor: Pick<Actor, "userId" | "client">): string {
  return actor.client ? `client:${actor.client.id}` : (actor.userId ?? "");
}
