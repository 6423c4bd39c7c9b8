/** A message ready to leave: rendered, addressed, and tied to its outbox row. */
export interface MailMessage {
  emailId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The transport says whether a failure is worth retrying (SMTP 4xx, connection refused) or not (5xx). */
export class MailDeliveryError extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.name = "MailDeliveryError";
    this.permanent = permanent;
  }
}

export interface MailTransport {
  kind: "smtp" | "mailbox";
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
