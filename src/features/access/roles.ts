export const ROLES = ["administrator", "manager", "user", "read_only"] as const;
export type Role = (typeof ROLES)[number];

/** Higher is more powerful. */
export const ROLE_RANK: Record<Role, number> = { read_only: 0, user: 1, manager: 2, administrator: 3 };

export const ROLE_LABELS: Record<Role, string> = {
  administrator: "Administrator",
  manager: "Manager",
  user: "User",
  read_only: "Read-only",
};
