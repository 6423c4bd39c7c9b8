import type { EmailStatus, ResetState, UserStatus } from "../api/types.ts";
import { EMAIL_STATUS_LABELS, RESET_STATE_LABELS, ROLE_LABELS, isRole } from "../lib/format.ts";

export function StatusBadge({ status }: { status: UserStatus }) {
  return <span className={`badge badge-${status === "active" ? "success" : "neutral"}`}>{status === "active" ? "Active" : "Deactivated"}</span>;
}

export function RoleLabel({ role }: { role: string }) {
  return <span className="role">{isRole(role) ? ROLE_LABELS[role] : role}</span>;
}

const RESET_TONE: Record<ResetState, string> = { pending: "info", used: "success", expired: "neutral", superseded: "neutral", revoked: "warning" };

export function ResetStateBadge({ state }: { state: ResetState }) {
  return <span className={`badge badge-${RESET_TONE[state]}`}>{RESET_STATE_LABELS[state]}</span>;
}

const EMAIL_TONE: Record<EmailStatus, string> = { queued: "info", sent: "success", retrying: "warning", failed: "danger", dropped: "neutral" };

export function EmailStatusBadge({ status }: { status: EmailStatus | null }) {
  if (!status) return <span className="muted">—</span>;
  return <span className={`badge badge-${EMAIL_TONE[status]}`}>{EMAIL_STATUS_LABELS[status]}</span>;
}
