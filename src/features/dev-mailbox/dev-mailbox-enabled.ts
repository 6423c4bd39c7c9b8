/**
 * The development mailbox exists only where no real mail goes out and nobody runs production:
 * with SMTP configured the emails belong to their recipients, not to whoever can reach the API.
 * config.ts asks it too (for HOST's default), so it takes the two settings, not the Config type.
 */
export function devMailboxEnabled(config: { env: string; smtpUrl: string | undefined }): boolean {
  return config.env !== "production" && !config.smtpUrl;
}
