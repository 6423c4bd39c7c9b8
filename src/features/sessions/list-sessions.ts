import type { Deps } from "../../deps.ts";
import type { Actor, PersonActor } from "../access/actor.ts";
import { assertMaySignOutUser } from "../access/authorize.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";
import { liveSessionsOfUser } from "./sessions.queries.ts";

/** Account settings: the signed-in user's own live sessions, theirs marked current. */
export async function listOwnSessions(deps: Pick<Deps, "db" | "clock">, actor: PersonActor) {
  return liveSessionsOfUser(deps.db, actor.userId, deps.clock.now(), actor.sessionId);
}

/** The user page: another user's live sessions, for those who may sign them out (decision 0048). */
export async function listSessionsOfUser(deps: Pick<Deps, "db" | "clock">, actor: Actor, userId: string) {
  // Scope first: a user outside it answers exactly like a missing one, whatever the actor's role.
  const user = await requireUserInScope(deps.db, actor, userId);
  assertMaySignOutUser(actor, user);
  return liveSessionsOfUser(deps.db, user.id, deps.clock.now(), null);
}
