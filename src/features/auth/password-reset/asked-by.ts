import type { Actor } from "../../access/actor.ts";
import type { ResetAskedBy } from "../../../email/templates/password-reset.ts";

/** Who acted on a user from the dashboard or the API, as their email names them. */
export type ActorAskedBy = Extract<ResetAskedBy, { kind: "administrator" | "team_member" | "integration" }>;

/**
 * An administrator or manager of the user's own company, a team member acting in a linked company,
 * or a company's API client (naming the linked company it acted for): the password reset's and the
 * second-factor reset's emails say it the same way.
 */
export function askedByOf(actor: Actor, targetCompanyName: string): ActorAskedBy {
  const crossCompany = actor.actingCompanyId !== actor.companyId;
  if (actor.client) return { kind: "integration", clientName: actor.client.name, companyName: actor.companyName, onBehalfOf: crossCompany ? targetCompanyName : null };
  if (crossCompany) return { kind: "team_member", name: actor.name, role: actor.role, companyName: actor.companyName, onBehalfOf: targetCompanyName };
  return { kind: "administrator", name: actor.name, role: actor.role, companyName: actor.companyName };
}
