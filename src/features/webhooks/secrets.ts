import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

// Stored encrypted like every secret at rest (decision 0036).
export { openSecret, sealSecret } from "../secrets-at-rest.ts";

/** A new Standard Webhooks signing secret: "whsec_" and 32 random bytes in base64. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * The webhook-signature header: one "v1,…" signature per live secret, space-separated, as the
 * specification allows — during a rotation's overlap a receiver holding either secret verifies it.
 */
export function signatureHeader(secrets: readonly string[], messageId: string, timestamp: Date, payload: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, payload)).join(" ");
}
