import type { Deps } from "../../deps.ts";
import { linkUrl } from "../../email/links.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { signedOutEverywhereEmail } from "../../email/templates/signed-out-everywhere.ts";
import { assertThat } from "../../errors.ts";
import type { Actor } from "../access/actor.ts";
import { assertMaySignOutUser } from "../access/authorize.ts";
import { holdAuthorityInActingCompany } from "../access/linked-company-access.ts";
import { requireUserInScope } from "../access/users-in-scope.ts";
import { recordActionOnUser } from "../audit/record-audit-event.ts";
import { askedByOf } from "../auth/password-reset/asked-by.ts";
import { revokeSessionsOfUser } from "../auth/sessions.ts";
import { revokeOidcGrants } from "../oidc-grants/revoke-oidc-grants.ts";

/**
 * An administrator's "Sign out everywhere" on a user's page (decision 0048): every session of the
 * user ends, and what applications were given through them; the user is emailed who did it; one
 * audit row. The password is untouched: signing in again works.
 */
export async function signOutUserEverywhere(deps: Pick<Deps, "db" | "clock" | "config" | "jobs">, actor: Actor, userId: string) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // The grant checked when the request began may be revoked by now (decision 0008).
    await holdAuthorityInActingCompany(tx, actor);
    const user = await requireUserInScope(tx, actor, userId, { lock: true });
    assertMaySignOutUser(actor, user);
    assertThat(user.status === "active", "USER_DEACTIVATED");
    const ended = await revokeSessionsOfUser(tx, user.id, now);
    await revokeOidcGrants(tx, deps.jobs, { userId: user.id }, "signed_out", now);
    const content = signedOutEverywhereEmail({ recipientName: user.name, signedOutBy: askedByOf(actor, user.companyName), at: now, loginUrl: linkUrl(deps.config.publicUrl, "/login") });
    const emailId = await enqueueEmail(tx, deps.jobs, { kind: "signed_out_everywhere", to: user.email, userId: user.id, ...content }, now);
    await recordActionOnUser(tx, actor, "sessions.revoked", user, { which: "all", count: ended.length, emailId }, now);
    return { count: ended.length };
  });
}
