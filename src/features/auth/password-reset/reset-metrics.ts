import { AppError } from "../../../errors.ts";
import { countReset, type ResetOrigin } from "../../../metrics/metrics.ts";
import type { Actor } from "../../access/actor.ts";

/** Who asked, as the reset email tells it (trigger-password-reset.ts builds the same three cases). */
export function resetOriginOf(actor: Actor): ResetOrigin {
  if (actor.client) return "integration";
  return actor.actingCompanyId !== actor.companyId ? "team_member" : "administrator";
}

/**
 * Counts a reset request once it is settled: sent when its link and email were committed, limited
 * when a rate limit refused it, refused for every other answer of the rules (not found, not
 * allowed, deactivated). A failure of the database is not an outcome of the request and is left
 * to the HTTP metrics' 5xx.
 */
export async function countedReset<T>(origin: ResetOrigin, work: Promise<T>): Promise<T> {
  try {
    const result = await work;
    countReset(origin, "sent");
    return result;
  } catch (error) {
    if (error instanceof AppError) countReset(origin, error.code === "RATE_LIMITED" ? "limited" : "refused");
    throw error;
  }
}
