import { assertThat } from "../../errors.ts";
import type { Db } from "../../db/client.ts";
import type { Clock } from "../../clock.ts";
import type { JobQueue } from "../../jobs/job-queue.ts";
import type { PersonActor } from "../access/actor.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { revokeSessionsOfUser } from "../auth/sessions.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { revokeSessionOfUser } from "./sessions.queries.ts";

type SignOutDeps = { db: Db; clock: Clock; jobs: Pick<JobQueue, "send"> };

/**
 * "Sign out" on one row of account settings' sessions list. Only the user's own live sessions
 * match: another user's id answers NOT_FOUND, like an unknown one, so ids cannot be probed.
 */
export async function signOutOwnSession(deps: SignOutDeps, actor: PersonActor, sessionId: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    assertThat(await revokeSessionOfUser(tx, actor.userId, sessionId, now), "NOT_FOUND");
    // What applications were given through that session end with it, as at a sign-out.
    await revokeOidcGrants(tx, deps.jobs, { sessionId }, "signed_out", now);
    await recordAuditEvent(tx, { action: "sessions.revoked", actor, targetUserId: actor.userId, targetCompanyId: actor.companyId, details: { which: "one", count: 1 }, at: now });
  });
}

/** "Sign out everywhere else": every live session of the user but the one asking. */
export async function signOutOtherSessions(deps: SignOutDeps, actor: PersonActor): Promise<{ count: number }> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const ended = await revokeSessionsOfUser(tx, actor.userId, now, actor.sessionId);
    for (const sessionId of ended) await revokeOidcGrants(tx, deps.jobs, { sessionId }, "signed_out", now);
    await recordAuditEvent(tx, { action: "sessions.revoked", actor, targetUserId: actor.userId, targetCompanyId: actor.companyId, details: { which: "others", count: ended.length }, at: now });
    return { count: ended.length };
  });
}
