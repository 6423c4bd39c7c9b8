import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deps } from "../../../deps.ts";
import { devMailboxEnabled } from "../../../features/dev-mailbox/dev-mailbox-enabled.ts";
import { listMailboxEmails } from "../../../features/dev-mailbox/list-mailbox-emails.ts";
import { readMailboxEmail } from "../../../features/dev-mailbox/read-mailbox-email.ts";
import { sendError } from "../../error-handler.ts";
import { isLoopbackClient } from "../../loopback.ts";
import { noControlChars } from "../../../features/control-characters.ts";
import { IdParams, errors } from "./schemas.ts";

const EmailStatus = z.enum(["queued", "sent", "retrying", "failed", "dropped"]);
const MailboxEmail = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.string(),
  subject: z.string(),
  status: EmailStatus,
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});
const MailboxEmailWithBody = MailboxEmail.extend({ text: z.string(), html: z.string() });
export const MailboxQuery = z.strictObject({ to: z.string().max(254).refine(noControlChars, "Control characters are not allowed.").optional() });

function summary<T extends { createdAt: Date; sentAt: Date | null }>(email: T) {
  return { ...email, createdAt: email.createdAt.toISOString(), sentAt: email.sentAt?.toISOString() ?? null };
}

/**
 * A local development tool, so no session: see docs/decisions/0006-development-mailbox.md.
 * Answers 404 in production, whenever SMTP is configured, and to every client not on this
 * machine's loopback address, whatever HOST the server listens on (decision 0019).
 */
export function devMailboxRoutes(deps: Deps): FastifyPluginAsyncZod {
  return async (app) => {
    // Before validation, so a disabled mailbox looks the same for every URL under it.
    app.addHook("onRequest", async (request, reply) => {
      if (!devMailboxEnabled(deps.config) || !isLoopbackClient(request)) return sendError(reply, "NOT_FOUND");
    });

    app.get(
      "/dev/mailbox",
      {
        schema: {
          tags: ["development"],
          summary: "Emails held by the development mailbox, newest first (only without SMTP, never in production)",
          querystring: MailboxQuery,
          response: { 200: z.object({ emails: z.array(MailboxEmail) }), ...errors(400, 404) },
        },
      },
      async (request) => {
        const emails = await listMailboxEmails(deps, { to: request.query.to });
        return { emails: emails.map(summary) };
      },
    );

    app.get(
      "/dev/mailbox/:id",
      {
        schema: {
          tags: ["development"],
          summary: "One email of the development mailbox, with its text and HTML",
          params: IdParams,
          response: { 200: z.object({ email: MailboxEmailWithBody }), ...errors(400, 404) },
        },
      },
      async (request) => ({ email: summary(await readMailboxEmail(deps, request.params.id)) }),
    );

    app.get(
      "/dev/mailbox/:id/html",
      {
        schema: {
          tags: ["development"],
          summary: "The HTML version of one email, as a sandboxed document for the dashboard's frame",
          params: IdParams,
          produces: ["text/html"],
          response: { 200: z.string(), ...errors(400, 404) },
        },
      },
      async (request, reply) => {
        const email = await readMailboxEmail(deps, request.params.id);
        // An email's HTML is untrusted: no scripts, no requests, a unique origin (sandbox), and only
        // the dashboard may frame it. Inline styles are how emails are styled, so they stay.
        return reply
          .type("text/html; charset=utf-8")
          .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
          .header("x-frame-options", "SAMEORIGIN")
          .header("cache-control", "no-store")
          .send(email.html);
      },
    );
  };
}
