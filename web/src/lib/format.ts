import type { EmailStatus, ResetState, Role } from "../api/types.ts";

export const ROLE_LABELS: Record<Role, string> = {
  administrator: "Administrator",
  manager: "Manager",
  user: "User",
  read_only: "Read-only",
};

/** For an answer whose document types a role as text (the team members' list: its query reads the column as text). */
export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLE_LABELS, value);
}

export const RESET_STATE_LABELS: Record<ResetState, string> = {
  pending: "Pending",
  used: "Used",
  expired: "Expired",
  superseded: "Superseded",
  revoked: "Revoked",
};

export const EMAIL_STATUS_LABELS: Record<EmailStatus, string> = {
  queued: "Queued",
  sent: "Sent",
  retrying: "Retrying",
  failed: "Failed",
  dropped: "Not sent (link no longer valid)",
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "—" : dateTime.format(date);
}

/** "24 hours", "7 days": how long a link lives, from its expiry time as the server set it. */
export function describeValidity(expiresAt: string, now = Date.now()): string {
  const hours = Math.round((new Date(expiresAt).getTime() - now) / 3_600_000);
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  if (hours <= 1) return "1 hour";
  return `${hours} hours`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** Date and time on two lines, for narrow table columns. */
export function splitDateTime(value: string): { date: string; time: string } | null {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return { date: dateOnly.format(date), time: timeOnly.format(date) };
}
