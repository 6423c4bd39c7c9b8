export const ROLES = ["administrator", "manager", "user", "read_only"] as const;
export type Role = (typeof ROLES)[number];
