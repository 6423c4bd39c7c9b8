import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { linkUrl } from "../../email/links.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { passwordChangedEmail, type PasswordChangedEmailInput } from "../../email/templates/password-changed.ts";
import { formerAddressesOf } from "./email-changes.ts";

/**
 * "Your password was changed", in the caller's transaction, to the account's address and to every
 * address it left in the last 24 hours (decision 0021): whoever moved the address away to reset the
 * password cannot keep the real owner from hearing of it by moving it back. Someone accepting their
 * invitation chose their first password: no alert to them (nothing of theirs changed), only to
 * addresses the account left.
 */
export async function sendPasswordChangedEmails(
  tx: Executor,
  deps: Pick<Deps, "config" | "jobs">,
  user: { id: string; name: string; email: string },
  change: { how: PasswordChangedEmailInput["how"]; at: Date },
): Promise<void> {
  const base = { recipientName: user.name, changedAt: change.at, how: change.how, loginUrl: linkUrl(deps.config.publicUrl, "/login") };
  if (change.how !== "invitation") {
    await enqueueEmail(tx, deps.jobs, { kind: "password_changed", to: user.email, userId: user.id, ...passwordChangedEmail(base) }, change.at);
  }
  for (const address of await formerAddressesOf(tx, user, change.at)) {
    const content = passwordChangedEmail({ ...base, formerAddress: true });
    await enqueueEmail(tx, deps.jobs, { kind: "password_changed", to: address, userId: user.id, ...content }, change.at);
  }
}
