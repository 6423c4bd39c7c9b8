import { request } from "./client.ts";
import type {
  AppConfig,
  AuditEvent,
  AuditFilters,
  CompanyResponse,
  LinkInfo,
  MailboxEmail,
  MailboxEmailSummary,
  ManagedCompanyList,
  Me,
  MemberGrants,
  PasswordReset,
  Role,
  TeamMemberAccess,
  UserDetail,
  UserList,
  UserPermissions,
} from "./types.ts";

type Ok = { ok: true };

export interface UserQuery {
  q?: string;
  status?: "active" | "deactivated" | "all";
  after?: string;
  before?: string;
  limit?: number;
}

function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const id = (value: string) => encodeURIComponent(value);

/** Downloads are plain links (the browser saves the file with the session cookie): their addresses live here too. */
export const downloads = {
  managedCompaniesCsv: "/api/v1/managed-companies/export.csv",
  auditCsv: (filters: AuditFilters) => `/api/v1/audit-events/export.csv${query(filters)}`,
};

/** Every /api/v1 call the dashboard makes, named for what it does. */
export const api = {
  config: () => request<AppConfig>("GET", "/config"),
  me: () => request<Me>("GET", "/auth/me"),
  register: (body: { companyName: string; name: string; email: string; password: string }) => request<Ok>("POST", "/auth/register", body),
  login: (body: { email: string; password: string }) => request<Ok>("POST", "/auth/login", body),
  logout: () => request<Ok>("POST", "/auth/logout"),
  switchBack: () => request<Ok>("POST", "/session/switch-back"),
  switchInto: (companyId: string) => request<{ actingCompany: Me["actingCompany"] }>("POST", "/session/switch", { companyId }),
  forgotPassword: (email: string) => request<{ ok: true; message?: string }>("POST", "/auth/forgot-password", { email }),

  updateAccount: (name: string) => request<Ok>("PATCH", "/account", { name }),
  changePassword: (body: { currentPassword: string; newPassword: string; newPasswordConfirmation: string }) =>
    request<Ok>("POST", "/account/password", body),
  sendMeResetLink: () => request<Ok>("POST", "/account/password-reset"),

  inspectLink: (token: string) => request<LinkInfo>("POST", "/links/inspect", { token }),
  setPasswordWithLink: (body: { token: string; password: string; passwordConfirmation: string }) =>
    request<Ok>("POST", "/links/set-password", body),

  company: () => request<CompanyResponse>("GET", "/company"),
  updateCompany: (body: { name?: string; contactEmail?: string; phone?: string; address?: string }) =>
    request<CompanyResponse>("PATCH", "/company", body),
  deleteCompany: (confirmName: string) => request<Ok>("POST", "/company/delete", { confirmName }),

  teamMembersWithAccess: () => request<{ parent: { name: string } | null; members: TeamMemberAccess[] }>("GET", "/company/team-members"),
  managedCompanies: (params: { q?: string; after?: string; limit?: number }) => request<ManagedCompanyList>("GET", `/managed-companies${query(params)}`),
  createLinkedCompany: (body: { name: string; adminName: string; adminEmail: string }) =>
    request<{ company: { id: string; name: string } }>("POST", "/managed-companies", body),
  memberGrants: (userId: string) => request<MemberGrants>("GET", `/users/${id(userId)}/managed-companies`),
  giveGrant: (userId: string, companyId: string) => request<Ok>("PUT", `/users/${id(userId)}/managed-companies/${id(companyId)}`),
  revokeGrant: (userId: string, companyId: string) => request<Ok>("DELETE", `/users/${id(userId)}/managed-companies/${id(companyId)}`),
  auditEvents: (filters: AuditFilters & { before?: number; limit?: number }) =>
    request<{ events: AuditEvent[]; nextBefore: number | null }>("GET", `/audit-events${query(filters)}`),

  users: (params: UserQuery) => request<UserList>("GET", `/users${query(params)}`),
  createUser: (body: { name: string; email: string; role: Role }) => request<{ user: UserDetail }>("POST", "/users", body),
  user: (userId: string) => request<{ user: UserDetail; permissions: UserPermissions }>("GET", `/users/${id(userId)}`),
  updateUser: (userId: string, body: { name?: string; email?: string }) => request<{ user: UserDetail }>("PATCH", `/users/${id(userId)}`, body),
  changeRole: (userId: string, role: Role) => request<{ user: UserDetail }>("PUT", `/users/${id(userId)}/role`, { role }),
  deactivateUser: (userId: string) => request<{ user: UserDetail }>("POST", `/users/${id(userId)}/deactivate`),
  restoreUser: (userId: string) => request<{ user: UserDetail }>("POST", `/users/${id(userId)}/restore`),
  resendInvitation: (userId: string) => request<Ok>("POST", `/users/${id(userId)}/invitation`),

  triggerReset: (userId: string) => request<{ reset: { id: string; expiresAt: string } }>("POST", `/users/${id(userId)}/password-reset`),
  resets: (userId: string) => request<{ resets: PasswordReset[] }>("GET", `/users/${id(userId)}/password-resets`),
  revokeReset: (userId: string, resetId: string) => request<Ok>("POST", `/users/${id(userId)}/password-resets/${id(resetId)}/revoke`),

  mailbox: (to?: string) => request<{ emails: MailboxEmailSummary[] }>("GET", `/dev/mailbox${query({ to })}`),
  mailboxEmail: (emailId: string) => request<{ email: MailboxEmail }>("GET", `/dev/mailbox/${id(emailId)}`),
};
