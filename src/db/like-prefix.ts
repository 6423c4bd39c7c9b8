/** A LIKE pattern matching values that start with `prefix`: `_`, `%` and a backslash typed by a person are letters, not wildcards. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
