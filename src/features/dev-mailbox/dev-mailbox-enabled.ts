import type { Config } from "../../config.ts";

/**
 * The development mailbox exists only where no real mail goes out and nobody runs production:
 * with SMTP configured the emails belong to their recipients, not to whoever can reach the API.
 */
export function devMailboxEnabled(config: Pick<Config, "env" | "smtpUrl">): boolean {
  return config.env !== "production" && !config.smtpUrl;
}
