import { and, eq } from "drizzle-orm";
import type { Deps } from "../../deps.ts";
import { passkeys } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import type { PersonActor } from "../access/actor.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";

/** Renames one of the caller's own passkeys; anyone else's is not found (404). */
export async function renamePasskey(deps: Pick<Deps, "db" | "clock">, actor: PersonActor, passkeyId: string, name: string): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(passkeys)
      .set({ name })
      .where(and(eq(passkeys.id, passkeyId), eq(passkeys.userId, actor.userId)))
      .returning({ id: passkeys.id });
    if (!row) throw new AppError("NOT_FOUND");
    await recordAuditEvent(tx, { action: "passkey.renamed", actor, targetUserId: actor.userId, targetCompanyId: actor.companyId, details: { passkeyId, name }, at: now });
  });
}
