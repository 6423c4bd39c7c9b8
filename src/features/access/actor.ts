import type { Role } from "./roles.ts";

/** Who is acting, resolved afresh from the database on every request (no cached permission). */
export interface Actor {
  sessionId: string;
  userId: string;
  name: string;
  email: string;
  role: Role;
  /** The company the user belongs to. */
  companyId: string;
  companyName: string;
  /** The company the request works on: the user's own, or a linked company they switched into. */
  actingCompanyId: string;
  actingCompanyName: string;
  /** The grant that allows acting in a linked company; null in one's own company. */
  grantId: string | null;
  /** Acting in a linked company by the parent administrator's implicit access, not a grant. */
  implicitAccess: boolean;
  clientAddress: string;
  /**
   * Set when the actor is a company's machine client calling the API with a bearer token
   * (issue 17); null for a person signed in with a session cookie.
   */
  client: ActorClient | null;
}

/** A machine client acting for its company: what audit rows, emails and webhooks name it by. */
export interface ActorClient {
  id: string;
  name: string;
}
