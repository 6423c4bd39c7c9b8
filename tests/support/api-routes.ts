import type { Permission } from "../../src/features/access/permissions.ts";

/** The ids a route of the API names. */
export interface RouteIds {
  userId: string;
  resetId: string;
  linkedCompanyId: string;
  apiClientId: string;
}

export interface ApiRoute {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: (ids: RouteIds) => string;
  body?: (ids: RouteIds) => unknown;
  /** The permission the route needs; null: never a machine client's (the company's name, its deletion, API clients). */
  permission: Permission | null;
  /** What the OpenAPI document declares when it is more than `permission` (any one of these). */
  documented?: Permission[];
  /** Whether the path names ids (the cross-company attack applies). */
  hasIds: boolean;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Every /api/v1 route a machine client can reach (the rest need a person, see api-clients-sessions). */
export const CLIENT_ROUTES: ApiRoute[] = [
  { name: "read a user", method: "GET", path: (i) => `/api/v1/users/${i.userId}`, permission: "users.view", hasIds: true },
  { name: "edit a user", method: "PATCH", path: (i) => `/api/v1/users/${i.userId}`, body: () => ({ name: `Renamed ${unique()}` }), permission: "users.updateDetails", hasIds: true },
  { name: "change a role", method: "PUT", path: (i) => `/api/v1/users/${i.userId}/role`, body: () => ({ role: "read_only" }), permission: "users.changeRole", hasIds: true },
  { name: "deactivate", method: "POST", path: (i) => `/api/v1/users/${i.userId}/deactivate`, permission: "users.deactivate", hasIds: true },
  { name: "restore", method: "POST", path: (i) => `/api/v1/users/${i.userId}/restore`, permission: "users.restore", hasIds: true },
  { name: "resend an invitation", method: "POST", path: (i) => `/api/v1/users/${i.userId}/invitation`, permission: "users.triggerReset", hasIds: true },
  { name: "trigger a reset", method: "POST", path: (i) => `/api/v1/users/${i.userId}/password-reset`, permission: "users.triggerReset", hasIds: true },
  { name: "list resets", method: "GET", path: (i) => `/api/v1/users/${i.userId}/password-resets`, permission: "users.triggerReset", hasIds: true },
  { name: "revoke a reset", method: "POST", path: (i) => `/api/v1/users/${i.userId}/password-resets/${i.resetId}/revoke`, permission: "users.triggerReset", hasIds: true },
  { name: "reset a second factor", method: "POST", path: (i) => `/api/v1/users/${i.userId}/second-factor-reset`, permission: "users.resetSecondFactor", hasIds: true },
  { name: "list second-factor resets", method: "GET", path: (i) => `/api/v1/users/${i.userId}/second-factor-resets`, permission: "users.resetSecondFactor", hasIds: true },
  { name: "list sign-ins", method: "GET", path: (i) => `/api/v1/users/${i.userId}/sign-ins`, permission: null, hasIds: true },
  { name: "list a member's grants", method: "GET", path: (i) => `/api/v1/users/${i.userId}/managed-companies`, permission: "users.view", hasIds: true },
  { name: "give a grant", method: "PUT", path: (i) => `/api/v1/users/${i.userId}/managed-companies/${i.linkedCompanyId}`, permission: "grants.manage", hasIds: true },
  { name: "revoke a grant", method: "DELETE", path: (i) => `/api/v1/users/${i.userId}/managed-companies/${i.linkedCompanyId}`, permission: "grants.manage", hasIds: true },
  { name: "rotate an API client's secret", method: "POST", path: (i) => `/api/v1/api-clients/${i.apiClientId}/secret`, permission: null, hasIds: true },
  { name: "delete an API client", method: "DELETE", path: (i) => `/api/v1/api-clients/${i.apiClientId}`, permission: null, hasIds: true },
  { name: "list a user's sessions", method: "GET", path: (i) => `/api/v1/users/${i.userId}/sessions`, permission: null, hasIds: true },
  { name: "sign a user out everywhere", method: "POST", path: (i) => `/api/v1/users/${i.userId}/sessions/sign-out-all`, permission: null, hasIds: true },
  { name: "list users", method: "GET", path: () => "/api/v1/users", permission: "users.view", hasIds: false },
  { name: "export users", method: "GET", path: () => "/api/v1/users/export.csv", permission: "users.view", hasIds: false },
  // Its ids are in the body, and each gets a result of its own (another company's is NOT_FOUND in the results, not a 404).
  { name: "act on many users", method: "POST", path: () => "/api/v1/users/bulk", body: (i) => ({ action: "deactivate", ids: [i.userId] }), permission: "users.deactivate", documented: ["users.deactivate", "users.restore", "users.triggerReset"], hasIds: false },
  { name: "create a user", method: "POST", path: () => "/api/v1/users", body: () => ({ name: "Made By Machine", email: `machine-${unique()}@example.test`, role: "user" }), permission: "users.create", hasIds: false },
  { name: "preview a users import", method: "POST", path: () => "/api/v1/users/import/preview", body: () => ({ csv: `name,email\nPreviewed,preview-${unique()}@example.test\n` }), permission: "users.create", hasIds: false },
  { name: "import users", method: "POST", path: () => "/api/v1/users/import", body: () => ({ csv: `name,email,role\nImported,import-${unique()}@example.test,user\n` }), permission: "users.create", hasIds: false },
  { name: "read the company", method: "GET", path: () => "/api/v1/company", permission: "company.view", hasIds: false },
  { name: "read the audit log", method: "GET", path: () => "/api/v1/audit-events", permission: "audit.view", hasIds: false },
  { name: "export the audit log", method: "GET", path: () => "/api/v1/audit-events/export.csv", permission: "audit.view", hasIds: false },
  { name: "rename the company", method: "PATCH", path: () => "/api/v1/company", body: () => ({ name: `Renamed ${unique()}` }), permission: null, hasIds: false },
  {
    name: "set the second-factor policy",
    method: "PUT",
    path: () => "/api/v1/company/second-factor-policy",
    body: () => ({ required: true, graceDays: 7, passkeySignInAllowed: false, applyToLinked: false }),
    permission: null,
    hasIds: false,
  },
  { name: "delete the company", method: "POST", path: () => "/api/v1/company/delete", body: () => ({ confirmName: "Northwind" }), permission: null, hasIds: false },
  { name: "list API clients", method: "GET", path: () => "/api/v1/api-clients", permission: null, hasIds: false },
  { name: "create an API client", method: "POST", path: () => "/api/v1/api-clients", body: () => ({ name: "Escalation", scopes: ["users:read"] }), permission: null, hasIds: false },
];

/** What only a signed-in person does: a machine client is told so (403 SESSION_REQUIRED). */
export const PERSON_ONLY_ROUTES: Array<Pick<ApiRoute, "name" | "method"> & { path: string; body?: () => unknown }> = [
  { name: "who am I", method: "GET", path: "/api/v1/auth/me" },
  { name: "sign out", method: "POST", path: "/api/v1/auth/logout" },
  { name: "edit own name", method: "PATCH", path: "/api/v1/account", body: () => ({ name: "Machine" }) },
  { name: "change own password", method: "POST", path: "/api/v1/account/password", body: () => ({ currentPassword: "x", newPassword: "y", newPasswordConfirmation: "y" }) },
  { name: "reset own password", method: "POST", path: "/api/v1/account/password-reset" },
  { name: "list own passkeys", method: "GET", path: "/api/v1/account/passkeys" },
  { name: "start a passkey registration", method: "POST", path: "/api/v1/account/passkeys/options" },
  { name: "finish a passkey registration", method: "POST", path: "/api/v1/account/passkeys", body: () => ({ response: { id: "AA", rawId: "AA", type: "public-key", response: { clientDataJSON: "AA", attestationObject: "AA" }, clientExtensionResults: {} } }) },
  { name: "rename a passkey", method: "PATCH", path: "/api/v1/account/passkeys/00000000-0000-4000-8000-000000000000", body: () => ({ name: "Machine" }) },
  { name: "remove a passkey", method: "POST", path: "/api/v1/account/passkeys/00000000-0000-4000-8000-000000000000/remove", body: () => ({}) },
  { name: "managed companies", method: "GET", path: "/api/v1/managed-companies" },
  { name: "create a linked company", method: "POST", path: "/api/v1/managed-companies", body: () => ({ name: "Sub", adminName: "A", adminEmail: "a@example.test" }) },
  { name: "switch company", method: "POST", path: "/api/v1/session/switch", body: () => ({ companyId: "00000000-0000-4000-8000-000000000000" }) },
  { name: "switch back", method: "POST", path: "/api/v1/session/switch-back" },
  { name: "team members", method: "GET", path: "/api/v1/company/team-members" },
  { name: "own second factor", method: "GET", path: "/api/v1/account/second-factor" },
  { name: "set up an authenticator app", method: "POST", path: "/api/v1/account/second-factor/totp" },
  { name: "turn the authenticator app on", method: "POST", path: "/api/v1/account/second-factor/totp/confirm", body: () => ({ code: "123456" }) },
  { name: "turn the authenticator app off", method: "POST", path: "/api/v1/account/second-factor/totp/disable", body: () => ({ password: "x" }) },
  { name: "new recovery codes", method: "POST", path: "/api/v1/account/second-factor/recovery-codes", body: () => ({ password: "x" }) },
];
