import type { FastifyBaseLogger as Logger } from "fastify";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import { createMailboxTransport } from "./mailbox-transport.ts";
import { createSmtpTransport } from "./smtp-transport.ts";
import type { MailTransport } from "./transport.ts";

/** SMTP when SMTP_URL is set; otherwise the development mailbox (the `emails` table itself). */
export function createMailTransport(config: Config, _db: Db, logger: Logger): MailTransport {
  if (config.smtpUrl) return createSmtpTransport(config.smtpUrl, config.smtpConnections);
  return createMailboxTransport({ production: config.env === "production", logger });
}
