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
}
