import type { Deps } from "../../../deps.ts";
import { assertThat } from "../../../errors.ts";
import { assertCan } from "../../access/authorize.ts";
import type { Role } from "../../access/roles.ts";
import type { Actor } from "../../access/actor.ts";
import { linkState, type LinkState } from "../../../db/link-state.ts";
import type { LinkPurpose } from "../link-tokens.ts";
import { findUserInScope } from "../../access/users-in-scope.ts";
import { describeDeliveryProblem, type DeliveryStatus } from "../../../email/delivery-problem.ts";
import { emailStatusOfLinks, listLinksOfUser } from "./password-reset.queries.ts";

export type EmailDeliveryState = DeliveryStatus;

export interface ResetHistoryEntry {
  id: string;
  purpose: LinkPurpose;
  createdAt: Date;
  expiresAt: Date;
  state: LinkState;
  /** An "integration" is a machine client (issue 17): named by its name, acting with an administrator's reach. */
  requestedBy: { kind: "self" | "administrator" | "team_member" | "integration"; name: string; role: Role; companyName: string } | null;
  emailStatus: EmailDeliveryState | null;
  /** Why the email has not left, in words (never the mail server's reply), or null. */
  emailProblem: string | null;
}

/**
 * The links of one user, invitations and resets, with who asked and whether the email left
 * (PRODUCT.md 5.4). Security data: shown to those who may trigger a reset, in scope (decision 0007).
 */
export async function listPasswordResets(deps: Pick<Deps, "db" | "clock">, actor: Actor, userId: string): Promise<ResetHistoryEntry[]> {
  const user = await findUserInScope(deps.db, actor, userId);
  assertThat(user, "NOT_FOUND");
  assertCan(actor, "users.triggerReset");
  const now = deps.clock.now();
  const links = await listLinksOfUser(deps.db, user.id);
  const statuses = await emailStatusOfLinks(deps.db, links.map((link) => link.id));
  return links.map((link) => {
    const email = statuses.get(link.id);
    return {
      id: link.id,
      purpose: link.purpose,
      createdAt: link.createdAt,
      expiresAt: link.expiresAt,
      state: linkState(link, now),
      requestedBy: requestedBy(link, user),
      emailStatus: email?.status ?? null,
      emailProblem: describeDeliveryProblem(email?.status ?? null, email?.lastError ?? null),
    };
  });
}

interface LinkRequester {
  purpose: LinkPurpose;
  requestedByUserId: string | null;
  requestedByCompanyId: string | null;
  requestedByClientName: string | null;
  requesterName: string | null;
  requesterRole: Role | null;
  requesterCompanyName: string | null;
}

function requestedBy(link: LinkRequester, user: { id: string; name: string; role: Role; companyId: string; companyName: string }): ResetHistoryEntry["requestedBy"] {
  if (link.requestedByClientName !== null) {
    return { kind: "integration", name: link.requestedByClientName, role: "administrator", companyName: link.requesterCompanyName ?? "" };
  }
  const self = link.requestedByUserId === null ? link.purpose === "reset" : link.requestedByUserId === user.id;
  if (self) return { kind: "self", name: user.name, role: user.role, companyName: user.companyName };
  // An invitation nobody signed for came from the operator (CLI): there is no person to name.
  if (link.requesterName === null || link.requesterRole === null) return null;
  return {
    kind: link.requestedByCompanyId === user.companyId ? "administrator" : "team_member",
    name: link.requesterName,
    role: link.requesterRole,
    companyName: link.requesterCompanyName ?? "",
  };
}
