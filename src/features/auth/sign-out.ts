import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/client.ts";
import type { JobQueue } from "../../jobs/job-queue.ts";
import type { PersonActor } from "../access/actor.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";
import { revokeSession } from "./sessions.ts";

/**
 * Signing out of Latchkey ends the session and what applications were given through it: their
 * grants and refresh tokens, with a back-channel logout to those that registered a URI. Single
 * sign-on ends with it (the provider asks for a live Latchkey session, src/oidc/provider.ts).
 */
// Typed without Deps: the OpenID provider (built by deps.ts) calls it too.
export async function signOut(deps: { db: Db; clock: Clock; jobs: Pick<JobQueue, "send"> }, actor: PersonActor): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await revokeSession(tx, actor.sessionId, now);
    const grantsRevoked = await revokeOidcGrants(tx, deps.jobs, { sessionId: actor.sessionId }, "signed_out", now);
    await recordAuditEvent(tx, {
      action: "logout",
      actor,
      targetUserId: actor.userId,
      targetCompanyId: actor.companyId,
      ...(grantsRevoked ? { details: { applicationGrantsRevoked: grantsRevoked } } : {}),
      at: now,
    });
  });
}
