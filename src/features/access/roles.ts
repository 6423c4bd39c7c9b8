export const ROLES = ["administrator", "manager", "user", "read_only"] as const;
export type Role = (typeof ROLES)[number];

/** Whether a text names a role (a file, a query string). */
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
