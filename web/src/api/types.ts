/** The shapes of docs/api-contract.md, as the dashboard reads them. */
export type Role = "administrator" | "manager" | "user" | "read_only";
export type UserStatus = "active" | "deactivated";

export interface AppConfig {
  signup: boolean;
  passwordMinLength: number;
  devMailbox: boolean;
}

export interface Me {
  user: { id: string; name: string; email: string; role: Role; companyId: string; companyName: string };
  actingCompany: { id: string; name: string; switched: boolean };
}

export interface Company {
  id: string;
  name: string;
  contactEmail: string | null;
  phone: string | null;
  address: string | null;
  createdAt: string;
  isMultiCompany: boolean;
  parent: { id: string; name: string } | null;
}

export interface CompanyPermissions {
  rename: boolean;
  updateContact: boolean;
  delete: boolean;
}

export interface CompanyResponse {
  company: Company;
  permissions: CompanyPermissions;
}

export interface UserSummary {
  id: string;
  name: string;
  email: string;
  role: Role;
  status: UserStatus;
  hasPassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface UserDetail extends UserSummary {
  company: { id: string; name: string };
  passwordChangedAt: string | null;
  deactivatedAt: string | null;
}

export interface UserPermissions {
  edit: boolean;
  changeRole: boolean;
  assignableRoles: Role[];
  deactivate: boolean;
  restore: boolean;
  resetPassword: boolean;
}

export interface UserList {
  users: UserSummary[];
  nextCursor: string | null;
  prevCursor: string | null;
  total: number;
  /** A search with more matches than the server counts (1,000): show the total as "1,000+". */
  totalCapped: boolean;
}

export type ResetState = "pending" | "used" | "expired" | "superseded" | "revoked";
export type EmailStatus = "queued" | "sent" | "retrying" | "failed" | "dropped";

export interface PasswordReset {
  id: string;
  purpose: "invite" | "reset";
  createdAt: string;
  expiresAt: string;
  state: ResetState;
  requestedBy: { kind: "self" | "administrator" | "team_member"; name: string; role: Role; companyName: string } | null;
  emailStatus: EmailStatus | null;
}

export type LinkReason = "invalid" | "expired" | "used" | "superseded" | "revoked";
export type LinkInfo =
  | { valid: true; purpose: "invite" | "reset"; name: string; email: string; expiresAt: string }
  | { valid: false; reason: LinkReason; purpose: "invite" | "reset" | null };

export interface MailboxEmailSummary {
  id: string;
  kind: string;
  to: string;
  subject: string;
  status: EmailStatus;
  createdAt: string;
  sentAt: string | null;
}

export interface MailboxEmail extends MailboxEmailSummary {
  text: string;
  html: string;
}

export interface ManagedCompany {
  id: string;
  name: string;
  createdAt: string;
  userCount: number;
  lastLoginAt: string | null;
  /** Whether this member may switch into it (the switch button is shown only then). */
  canManage: boolean;
}

export interface ManagedCompanyList {
  companies: ManagedCompany[];
  nextCursor: string | null;
  total: number;
  allowance: { limit: number; used: number };
}

export interface TeamMemberAccess {
  id: string;
  name: string;
  email: string;
  role: Role;
  hasAccess: boolean;
  via: "administrator" | "grant" | null;
}

export interface MemberGrants {
  memberRole: Role;
  implicitAccess: boolean;
  companies: Array<{ id: string; name: string; granted: boolean; canChange: boolean }>;
}

export interface AuditEvent {
  id: number;
  at: string;
  action: string;
  outcome: string;
  actor: { name: string; email: string } | null;
  actorCompany: string | null;
  actingCompany: string | null;
  target: { name: string; email: string } | null;
  targetCompany: string | null;
  grantId: string | null;
  clientAddress: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilters {
  companyId?: string;
  includeLinked?: boolean;
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}
