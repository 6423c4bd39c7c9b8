import type { Transporter } from "nodemailer";
import { MailDeliveryError, type MailTransport } from "./transport.ts";

/** Short enough that a dead server never holds a worker for long; the job is retried later instead. */
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 60_000;

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/**
 * What an SMTP failure means for the email. A 5xx reply is the server's final word (bad address,
 * refused content); a 4xx reply, a refused, reset or timed-out connection is worth trying again.
 */
export function classifySmtpFailure(error: unknown, smtpUrl?: string): MailDeliveryError {
  const failure = (typeof error === "object" && error !== null ? error : { message: String(error) }) as SmtpFailure;
  const responseCode = typeof failure.responseCode === "number" ? failure.responseCode : undefined;
  const code = typeof failure.code === "string" ? failure.code : undefined;
  const summary = describeFailure(failure, responseCode, code, smtpUrl);
  if (responseCode !== undefined) return new MailDeliveryError(summary, responseCode >= 500);
  // Without a reply code, only a malformed envelope is final; anything else is the network.
  return new MailDeliveryError(summary, code === "EENVELOPE" || code === "ECONFIG");
}

function describeFailure(failure: SmtpFailure, responseCode: number | undefined, code: string | undefined, smtpUrl: string | undefined): string {
  // The server's reply says the most; nodemailer's message may repeat connection details.
  const reply = typeof failure.response === "string" ? failure.response : String(failure.message ?? "unknown error");
  let text = `${code ?? "ERROR"}${responseCode !== undefined ? ` ${responseCode}` : ""}: ${reply.split("\n")[0] ?? ""}`;
  const password = smtpUrl ? safePassword(smtpUrl) : "";
  if (password) text = text.replaceAll(password, "***");
  return text.slice(0, 500);
}

function safePassword(smtpUrl: string): string {
  try {
    return decodeURIComponent(new URL(smtpUrl).password);
  } catch {
    return "";
  }
}

/**
 * Real delivery through nodemailer over a small connection pool. nodemailer is loaded with the
 * first email rather than at start-up: it is about a twentieth of the time to readiness.
 */
export function createSmtpTransport(smtpUrl: string, maxConnections: number): MailTransport {
  let transporter: Promise<Transporter> | null = null;
  const open = () =>
    (transporter ??= import("nodemailer").then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: smtpUrl,
        pool: true,
        maxConnections,
        connectionTimeout: CONNECT_TIMEOUT_MS,
        greetingTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout: SOCKET_TIMEOUT_MS,
      }),
    ));
  let mailComposer: Promise<typeof import("nodemailer/lib/mail-composer").default> | null = null;
  const composer = () => (mailComposer ??= import("nodemailer/lib/mail-composer").then((module) => module.default));
  return {
    kind: "smtp",
    async send(message) {
      const [smtp, MailComposer] = await Promise.all([open(), composer()]);
      try {
        // Composed into one buffer first: streamed to the socket as nodemailer builds it, a message
        // left in dozens of small writes, a system call each (about a twelfth of the server's CPU per
        // email, decision 0052).
        const raw = await new MailComposer({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: { "X-Latchkey-Email-Id": message.emailId },
        })
          .compile()
          .build();
        await smtp.sendMail({ envelope: { from: message.from, to: [message.to] }, raw });
      } catch (error) {
        throw classifySmtpFailure(error, smtpUrl);
      }
    },
    async close() {
      if (transporter) (await transporter).close();
    },
  };
}
