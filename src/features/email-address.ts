/**
 * Internationalised addresses (RFC 6531) are welcome: PRODUCT.md compares them after NFC, so
 * "josé@…" must get past the door in either Unicode form. Letters and marks of any script,
 * the usual ASCII specials in the local part, dot-separated labels in the domain. The API's Email
 * schema and the CSV import (features/users/user-import-file.ts) both check addresses with it.
 */
export const EMAIL_ADDRESS_PATTERN =
  /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?\.)+[\p{L}\p{M}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;
export const EMAIL_MAX_LENGTH = 254;

/** Whether an already trimmed text is an address the API's Email schema would accept. */
export const isEmailAddress = (value: string): boolean => value.length <= EMAIL_MAX_LENGTH && EMAIL_ADDRESS_PATTERN.test(value);

/** The login form of an address: NFC, trimmed, lower-cased. Unique across the installation. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFC").trim().toLowerCase();
}

const HIDDEN = "•••";

/**
 * An address as a notice may show it to a former owner of the account: enough for its owner to
 * recognise ("a•••@e•••.com"), too little for anyone else to write to. Only the first character of
 * the mailbox and of the domain and the top-level domain survive; the dots always number three, so
 * not even the lengths leak.
 */
export function maskEmailAddress(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return HIDDEN;
  const first = (part: string) => Array.from(part)[0] ?? "";
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  const topLevel = dot > 0 ? domain.slice(dot) : "";
  return `${first(local)}${HIDDEN}@${first(domain)}${HIDDEN}${topLevel}`;
}
