import type { RateRule } from "../../rate-limit.ts";

const HOUR = 3_600_000;

/**
 * The limits of "Reset two-factor" (decision 0039), like the admin password reset's: per actor, so
 * one stolen administrator session or client token cannot strip a whole company's factors at
 * once, and per target, whoever acts. Own keys: password resets do not use them up.
 */
export const SECOND_FACTOR_RESET_LIMITS = {
  perActor: { limit: 20, windowMs: HOUR } satisfies RateRule,
  perTarget: { limit: 3, windowMs: HOUR } satisfies RateRule,
};

export const secondFactorResetKeys = {
  actor: (actorKey: string) => `second-factor:reset:actor:${actorKey}`,
  target: (userId: string) => `second-factor:reset:target:${userId}`,
};
