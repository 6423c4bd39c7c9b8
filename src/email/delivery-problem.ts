/**
 * Why an email has not left, in words an administrator acts on (decision 0051). Read from the
 * outbox's last_error, which holds the SMTP client's code, the server's reply code and its first
 * line (smtp-transport.ts): only the kind of failure is told, never the reply itself, which may
 * name hosts, ports or accounts.
 */
export type DeliveryStatus = "queued" | "sent" | "retrying" | "failed" | "dropped";

export function describeDeliveryProblem(status: DeliveryStatus | null, lastError: string | null): string | null {
  if (status === null || status === "sent" || status === "queued") return null;
  const error = lastError ?? "";
  const dead = /^link (used|expired|superseded|revoked) before delivery/.exec(error)?.[1];
  if (status === "dropped" || dead) return (dead && DEAD_LINK[dead]) ?? "Not sent: the link stopped working before the email left.";
  const reason = reasonOf(error);
  return status === "retrying" ? `${reason} Latchkey keeps trying.` : reason;
}

const DEAD_LINK: Record<string, string> = {
  used: "Not sent: the link was used before the email left.",
  expired: "Not sent: the link expired before the email left.",
  superseded: "Not sent: a newer link replaced this one before the email left.",
  revoked: "Not sent: the link was revoked before the email left.",
};

function reasonOf(error: string): string {
  const head = /^([A-Z]+)(?: (\d{3}))?:/.exec(error);
  const code = head?.[1] ?? "";
  const reply = head?.[2] ? Number(head[2]) : null;
  if (code === "EAUTH" || reply === 530 || reply === 534 || reply === 535) return "The mail server refused Latchkey's sign-in: check the SMTP user and password.";
  if (code === "ETIMEDOUT" || /timeout|timed out/i.test(error)) return "The mail server did not answer in time.";
  if (["ECONNREFUSED", "ECONNECTION", "ESOCKET", "ENOTFOUND", "EDNS", "ECONNRESET", "EHOSTUNREACH"].includes(code) || /ECONNREFUSED|ENOTFOUND|ECONNRESET/.test(error)) {
    return "The mail server could not be reached.";
  }
  if (reply !== null && [501, 550, 551, 553].includes(reply)) return "The mail server refused the address.";
  if (reply !== null && reply >= 500) return "The mail server refused the email.";
  if (reply !== null && reply >= 400) return "The mail server asked to try again later.";
  if (code === "EENVELOPE") return "The mail server refused the address.";
  return "The email could not be handed to the mail server.";
}
