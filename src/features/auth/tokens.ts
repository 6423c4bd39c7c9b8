import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, base64url: for session cookies and emailed links alike. */
export function newSecretToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Only this digest is stored; the token itself lives in the cookie or the email. */
export function digestToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
