/** The longest name a person may have (the API's PersonName schema, the CSV import). */
export const PERSON_NAME_MAX_LENGTH = 200;

/**
 * The key users are sorted and searched by (users.name_sort): NFC and lower case, so "Émile"
 * typed in either Unicode form, in any case, finds the same row.
 */
export function nameSortKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** A search box value in the form of the stored keys (name_sort and email_normalized). */
export function searchPrefix(q: string | undefined): string | undefined {
  const prefix = q?.normalize("NFC").trim().toLowerCase();
  return prefix ? prefix : undefined;
}
