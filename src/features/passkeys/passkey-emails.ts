import type { Executor } from "../../db/client.ts";
import type { Deps } from "../../deps.ts";
import { linkUrl } from "../../email/links.ts";
import { enqueueEmail } from "../../email/outbox.ts";
import { passkeyChangedEmail } from "../../email/templates/passkey-changed.ts";

/** "A passkey was added / removed", to the account's stored address, in the caller's transaction. */
export async function sendPasskeyChangedEmail(
  tx: Executor,
  deps: Pick<Deps, "config" | "jobs">,
  user: { id: string; name: string; email: string },
  change: { change: "added" | "removed"; passkeyName: string; at: Date },
): Promise<void> {
  const content = passkeyChangedEmail({ recipientName: user.name, ...change, accountUrl: linkUrl(deps.config.publicUrl, "/account") });
  await enqueueEmail(tx, deps.jobs, { kind: `passkey_${change.change}`, to: user.email, userId: user.id, ...content }, change.at);
}
