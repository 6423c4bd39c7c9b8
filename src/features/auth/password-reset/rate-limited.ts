import type { Executor } from "../../../db/client.ts";
import { AppError } from "../../../errors.ts";
import { recordAuditEvent, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { hitRateLimits, type RateRule } from "../../rate-limit.ts";

export interface LimitCheck {
  key: string;
  rule: RateRule;
  /** Named in the audit row: which limit was hit. */
  name: string;
}

/**
 * Counts one hit on each limit, in one statement; when any is over, records "rate_limit.hit" and refuses with 429.
 * Runs outside the action's transaction, so the hit and its audit row stay even though the action does not happen.
 */
export async function enforceRateLimits(
  db: Executor,
  checks: LimitCheck[],
  audit: Pick<AuditEventInput, "actor" | "actorUserId" | "actorCompanyId" | "targetUserId" | "targetCompanyId" | "clientAddress"> & { flow: string },
  now: Date,
): Promise<void> {
  const hits = await hitRateLimits(db, checks, now);
  const exceeded = checks.filter((_, i) => !hits[i]?.allowed).map((check) => check.name);
  if (exceeded.length === 0) return;
  const { flow, ...who } = audit;
  await recordAuditEvent(db, { action: "rate_limit.hit", outcome: "refused", ...who, details: { flow, limits: exceeded }, at: now });
  throw new AppError("RATE_LIMITED");
}
