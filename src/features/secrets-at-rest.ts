import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * A secret Latchkey must keep to use again (a webhook signing secret, an authenticator app's key),
 * as stored: AES-256-GCM under SECRET_KEY when it is set ("enc1:iv:tag:ciphertext"), else as is
 * ("plain:…"), so a key set later still reads the rows written before it (decisions 0031, 0036).
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
  if (version !== "enc1") throw new Error("unknown format of a secret at rest");
  if (!key) throw new Error("this secret is encrypted and SECRET_KEY is not set");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(sealed, "base64")), decipher.final()]).toString("utf8");
}
