import type { FastifyBaseLogger as Logger } from "fastify";
import { MailDeliveryError, type MailTransport } from "./transport.ts";

const LINK = /https?:\/\/[^\s<>"'()]+/g;

/** Every http(s) link in a plain-text body, without the sentence's closing punctuation. */
export function linksInText(text: string): string[] {
  return [...new Set((text.match(LINK) ?? []).map((link) => link.replace(/[.,;:!?]+$/, "")))];
}

/**
 * Without SMTP the `emails` table is the mailbox: the row is already written, so "sending" only
 * announces it. In development the links are printed so a person can follow them from the log; in
 * production they would be live credentials in a log, so the email fails visibly instead.
 */
export function createMailboxTransport(options: { production: boolean; logger: Logger }): MailTransport {
  return {
    kind: "mailbox",
    async send(message) {
      if (options.production) {
        throw new MailDeliveryError("SMTP_URL is not set: a production installation does not deliver to the development mailbox", true);
      }
      options.logger.info(
        { emailId: message.emailId, to: message.to, subject: message.subject, links: linksInText(message.text) },
        "development mailbox: email received",
      );
    },
    async close() {},
  };
}
