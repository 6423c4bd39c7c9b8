/** The login form of an address: NFC, trimmed, lower-cased. Unique across the installation. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFC").trim().toLowerCase();
}
