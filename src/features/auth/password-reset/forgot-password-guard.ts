import type { RateRule } from "../../rate-limit.ts";

/** Clients remembered at most; past it, the one seen first is forgotten (memory stays bounded). */
const MAX_CLIENTS = 50_000;

export interface ForgotPasswordGuard {
  /** Counts one request of the client; false once it is clearly over its limit on this instance. */
  admit(clientAddress: string, now: Date): boolean;
}

/**
 * The cheap per-client guard in front of the request table (decision 0034): counted in this
 * process's memory, no statement. The limits themselves are counted in the database by the worker,
 * shared by every instance; this only stops one client from adding a row per request once it is far
 * over them. It admits twice the client's limit per window: the database's windows start with the
 * client's first request anywhere, so one window of this guard spans at most two of them, and the
 * guard never refuses a request the shared limit would have let through.
 */
export function createForgotPasswordGuard(rule: RateRule): ForgotPasswordGuard {
  const clients = new Map<string, { windowStart: number; count: number }>();
  return {
    admit(clientAddress, now) {
      const at = now.getTime();
      const seen = clients.get(clientAddress);
      if (!seen || seen.windowStart <= at - rule.windowMs) {
        clients.delete(clientAddress);
        if (clients.size >= MAX_CLIENTS) {
          const oldest = clients.keys().next();
          if (!oldest.done) clients.delete(oldest.value);
        }
        clients.set(clientAddress, { windowStart: at, count: 1 });
        return true;
      }
      seen.count += 1;
      return seen.count <= 2 * rule.limit;
    },
  };
}
