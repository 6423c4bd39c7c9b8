import type { RateRule } from "../../rate-limit.ts";

const HOUR = 3_600_000;

/**
 * The numbers behind every password-reset rate limit (decision 0007). Counted in the database, so
 * every instance shares them. Keys for "the target" are separate per flow: a stranger hammering
 * "forgot password" for someone must not stop their administrator from sending them a link.
 */
export const RESET_LIMITS = {
  /** Forgot password, per typed address (normalised): the account's mailbox is not flooded. */
  forgotPerAccount: { limit: 5, windowMs: HOUR } satisfies RateRule,
  /** Forgot password, per client address: one client cannot probe or spam many accounts. */
  forgotPerClient: { limit: 30, windowMs: HOUR } satisfies RateRule,
  /** Admin-triggered, per actor. */
  triggerPerActor: { limit: 60, windowMs: HOUR } satisfies RateRule,
  /** Admin-triggered, per target user, whoever triggers it. */
  triggerPerTarget: { limit: 5, windowMs: HOUR } satisfies RateRule,
  /** A signed-in user emailing themselves a link. */
  ownPerUser: { limit: 5, windowMs: HOUR } satisfies RateRule,
  /** Submissions of a new password with a link, per client address (each valid one costs an argon2 hash). */
  submitPerClient: { limit: 30, windowMs: 15 * 60_000 } satisfies RateRule,
  /** Looks at a link, per client address: each rejected one is an audit row (decision 0026). A person and their mail scanner stay far below. */
  inspectPerClient: { limit: 60, windowMs: 15 * 60_000 } satisfies RateRule,
};

export const resetRateKeys = {
  forgotAccount: (normalizedEmail: string) => `reset:forgot:account:${normalizedEmail}`,
  forgotClient: (clientAddress: string) => `reset:forgot:client:${clientAddress}`,
  triggerActor: (userId: string) => `reset:trigger:actor:${userId}`,
  triggerTarget: (userId: string) => `reset:trigger:target:${userId}`,
  own: (userId: string) => `reset:own:${userId}`,
  submitClient: (clientAddress: string) => `link:submit:client:${clientAddress}`,
  inspectClient: (clientAddress: string) => `link:inspect:client:${clientAddress}`,
};
