import { eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { emails } from "../../db/schema.ts";
import { assertThat } from "../../errors.ts";
import { devMailboxEnabled } from "./dev-mailbox-enabled.ts";
import { mailboxSummaryColumns } from "./list-mailbox-emails.ts";

/** One email with its bodies, as the recipient would read it. */
export async function readMailboxEmail(deps: Pick<Deps, "db" | "config">, id: string) {
  assertThat(devMailboxEnabled(deps.config), "NOT_FOUND");
  const [email] = await deps.db
    .select({ ...mailboxSummaryColumns, text: emails.text, html: emails.html })
    .from(emails)
    .where(eq(emails.id, id));
  assertThat(email, "NOT_FOUND");
  return email;
}
