import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** A new Standard Webhooks signing secret: "whsec_" and 32 random bytes in base64. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * The secret as stored (decision 0031): AES-256-GCM under WEBHOOK_SECRET_KEY when it is set
 * ("enc1:iv:tag:ciphertext"), else as is ("plain:…"), so a key set later still reads old rows.
 */
export function sealSecret(secret: string, key: Buffer | undefined): string {
  if (!key) return `plain:${secret}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["enc1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), sealed.toString("base64")].join(":");
}

export function openSecret(stored: string, key: Buffer | undefined): string {
  if (stored.startsWith("plain:")) return stored.slice("plain:".length);
  const [version, iv = "", tag = "", sealed = ""] = stored.split(":");
  if (version !== "enc1") throw new Error("unknown webhook secret format");
  if (!key) throw new Error("this webhook secret is encrypted and WEBHOOK_SECRET_KEY is not set");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(sealed, "base64")), decipher.final()]).toString("utf8");
}

/**
 * The webhook-signature header: one "v1,…" signature per live secret, space-separated, as the
 * specification allows — during a rotation's overlap a receiver holding either secret verifies it.
 */
export function signatureHeader(secrets: readonly string[], messageId: string, timestamp: Date, payload: string): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, payload)).join(" ");
}
