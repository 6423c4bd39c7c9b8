import type { Executor } from "../../../db/client.ts";
import { recordAuditEvent, type AuditEventInput } from "../../audit/record-audit-event.ts";
import { crossedLimit, hitRateLimits, rateLimited, type RateRule } from "../../rate-limit.ts";

export interface LimitCheck {
  key: string;
  rule: RateRule;
  /** Named in the audit row: which limit was hit. */
  name: string;
}

/**
 * Counts one hit on each limit, in one statement; when any is over, refuses with 429 and the time
 * to retry. The hit that crosses a limit records "rate_limit.hit"; the refusals after it in the same
 * window write nothing more (the rate_limits row keeps their count), so a flood of refused requests
 * cannot grow the audit log (decision 0026). Runs outside the action's transaction, so the hit and
 * its audit row stay even though the action does not happen.
 */
export async function enforceRateLimits(
  db: Executor,
  checks: LimitCheck[],
  audit: Pick<AuditEventInput, "actor" | "actorUserId" | "actorCompanyId" | "targetUserId" | "targetCompanyId" | "clientAddress"> & { flow: string },
  now: Date,
): Promise<void> {
  const hits = await hitRateLimits(db, checks, now);
  const refused = checks.flatMap((check, i) => {
    const hit = hits[i];
    return hit && !hit.allowed ? [{ check, hit }] : [];
  });
  if (refused.length === 0) return;
  if (refused.some(({ check, hit }) => crossedLimit(hit, check.rule))) {
    const { flow, ...who } = audit;
    await recordAuditEvent(db, { action: "rate_limit.hit", outcome: "refused", ...who, details: { flow, limits: refused.map(({ check }) => check.name) }, at: now });
  }
  throw rateLimited(refused.map(({ hit }) => hit), now);
}
