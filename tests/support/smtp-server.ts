import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { linksInText } from "../../src/email/mailbox-transport.ts";

/** One message as the SMTP server received it, parsed the way a mail client would. */
export interface CapturedMessage {
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
  receivedAt: Date;
}

export type SmtpMode = "accept" | "tempfail" | "permfail" | "slow";
export type MessageMatch = ((message: CapturedMessage) => boolean) | { to: string; subject?: string | RegExp };

export interface TestSmtpServer {
  url: string;
  port: number;
  readonly messages: CapturedMessage[];
  /** Resolves with the first message (already received or yet to come) that matches. */
  waitFor(match: MessageMatch, timeoutMs?: number): Promise<CapturedMessage>;
  linksIn(message: CapturedMessage): string[];
  /** tempfail answers 451 and permfail 550 to RCPT TO; slow holds each message `slowMs` before accepting. */
  setMode(mode: SmtpMode, options?: { slowMs?: number }): void;
  /** Answers 451 to RCPT TO for these addresses only, whatever the mode, until called again. */
  tempfailFor(addresses: string[]): void;
  /** How many delivery attempts reached RCPT TO, accepted or not. */
  readonly attempts: number;
  /** The most client connections open at once since the server started (or since `resetMostConnections`). */
  readonly mostConnections: number;
  resetMostConnections(): void;
  /** Closes the listening socket and drops open connections: clients get "connection refused". */
  refuseConnections(): Promise<void>;
  /** Listens again on the same port (after refuseConnections or stop). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function matches(match: MessageMatch, message: CapturedMessage): boolean {
  if (typeof match === "function") return match(message);
  if (!message.to.includes(match.to.toLowerCase())) return false;
  if (match.subject === undefined) return true;
  return typeof match.subject === "string" ? message.subject.includes(match.subject) : match.subject.test(message.subject);
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return "";
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(", ");
}

export interface SmtpServerOptions {
  /**
   * false: each message is read to its end and kept with its envelope only (recipients, sender, the
   * time) — no MIME parsing. For the benchmarks, which count emails: parsing them costs the machine
   * about as much as sending them (measured for issue 21), and a real mail server is not on
   * Latchkey's cores. Subject, text, html and headers are then empty.
   */
  parse?: boolean;
}

/** A real SMTP server in the test process on 127.0.0.1 and a random port. */
export async function startSmtpServer({ parse = true }: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: CapturedMessage[] = [];
  const waiters = new Set<() => void>();
  let mode: SmtpMode = "accept";
  let slowMs = 2_000;
  let attempts = 0;
  let tempfailing = new Set<string>();
  let openConnections = 0;
  let mostConnections = 0;
  let server: SMTPServer | null = null;
  let port = 0;

  const options: SMTPServerOptions = {
    logger: false,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    hideSTARTTLS: true,
    // Dropping idle pooled client connections at once is what a crashed server looks like.
    closeTimeout: 50,
    onConnect(_session, callback) {
      openConnections += 1;
      mostConnections = Math.max(mostConnections, openConnections);
      callback();
    },
    onClose() {
      openConnections -= 1;
    },
    onRcptTo(address, _session, callback) {
      attempts += 1;
      if (mode === "tempfail" || tempfailing.has(address.address.toLowerCase())) return callback(smtpError("Mailbox temporarily unavailable, try again later", 451));
      if (mode === "permfail") return callback(smtpError("No such user here", 550));
      callback();
    },
    onData(stream, session, callback) {
      const recipients = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      if (!parse) {
        stream.resume();
        stream.once("end", () => {
          const received = () => {
            const mailFrom = session.envelope.mailFrom;
            messages.push({ to: recipients, from: mailFrom ? mailFrom.address : "", subject: "", text: "", html: "", headers: new Map(), receivedAt: new Date() });
            for (const wake of waiters) wake();
            callback();
          };
          if (mode === "slow") setTimeout(received, slowMs);
          else received();
        });
        return;
      }
      simpleParser(stream)
        .then(async (parsed) => {
          if (mode === "slow") await new Promise((resolve) => setTimeout(resolve, slowMs));
          messages.push({
            to: recipients,
            from: addressesOf(parsed.from),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            headers: parsed.headers,
            receivedAt: new Date(),
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  };

  async function listen(onPort: number): Promise<void> {
    const next = new SMTPServer(options);
    next.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      next.server.once("error", reject);
      next.listen(onPort, "127.0.0.1", () => resolve());
    });
    const address = next.server.address();
    if (!address || typeof address === "string") throw new Error("SMTP server has no port");
    port = address.port;
    server = next;
  }

  async function close(): Promise<void> {
    const current = server;
    server = null;
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen(0);
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get attempts() {
      return attempts;
    },
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find((m) => matches(match, m));
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching email within ${timeoutMs} ms; received: ${JSON.stringify(messages.map((m) => ({ to: m.to, subject: m.subject })))}`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    linksIn(message) {
      return linksInText(message.text);
    },
    setMode(next, modeOptions) {
      mode = next;
      if (modeOptions?.slowMs !== undefined) slowMs = modeOptions.slowMs;
    },
    get mostConnections() {
      return mostConnections;
    },
    resetMostConnections() {
      mostConnections = openConnections;
    },
    tempfailFor(addresses) {
      tempfailing = new Set(addresses.map((address) => address.toLowerCase()));
    },
    refuseConnections: close,
    async restart() {
      // A closed SMTPServer keeps answering 421, so a fresh one takes over the same port.
      await close();
      await listen(port);
    },
    stop: close,
  };
}
