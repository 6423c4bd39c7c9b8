import { request } from "./client.ts";
import type { Answer, ApiPath, AuditFilters, Method, MethodOf, Operation, Query, RequestBody, Role } from "./types.ts";

/** What a call to a route takes: its path parameters, query and body, each exactly as the document has them. */
type Input<P extends ApiPath, M extends MethodOf<P>> = Pick<Operation<P, M>["parameters"], "path" | "query"> &
  ([NonNullable<Operation<P, M>["requestBody"]>] extends [never] ? unknown : { body: RequestBody<P, M> });
/** A route that needs nothing may be called without the argument. */
type InputArgs<P extends ApiPath, M extends MethodOf<P>> = object extends Input<P, M> ? [input?: Input<P, M>] : [input: Input<P, M>];
type LooseInput = { path?: Record<string, string>; query?: object; body?: unknown };

function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** "/users/{id}" with its parameters filled in (encoded), and the query after it. */
function address(path: string, input: LooseInput): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(input.path?.[name] ?? "")) + query(input.query ?? {});
}

/** One call to a route, typed by the document: a body or query the route does not read, or an answer read wrongly, fails the type check. */
function call<P extends ApiPath, M extends MethodOf<P> & Method>(method: M, path: P, ...[input]: InputArgs<P, M>): Promise<Answer<P, M>> {
  const loose = (input ?? {}) as LooseInput;
  return request<Answer<P, M>>(method.toUpperCase(), address(path, loose), loose.body);
}

/** Downloads are plain links (the browser saves the file with the session cookie): their addresses live here too. */
export const downloads = {
  managedCompaniesCsv: `/api/v1${address("/managed-companies/export.csv", {})}`,
  auditCsv: (filters: AuditFilters) => `/api/v1${address("/audit-events/export.csv", { query: filters })}`,
  usersCsv: (filters: Query<"/users/export.csv", "get">) => `/api/v1${address("/users/export.csv", { query: filters })}`,
};

/** Every /api/v1 call the dashboard makes, named for what it does. */
export const api = {
  config: () => call("get", "/config"),
  me: () => call("get", "/auth/me"),
  register: (body: RequestBody<"/auth/register", "post">) => call("post", "/auth/register", { body }),
  login: (body: RequestBody<"/auth/login", "post">) => call("post", "/auth/login", { body }),
  logout: () => call("post", "/auth/logout"),
  switchBack: () => call("post", "/session/switch-back"),
  switchInto: (companyId: string) => call("post", "/session/switch", { body: { companyId } }),
  forgotPassword: (email: string) => call("post", "/auth/forgot-password", { body: { email } }),

  updateAccount: (name: string) => call("patch", "/account", { body: { name } }),
  changePassword: (body: RequestBody<"/account/password", "post">) => call("post", "/account/password", { body }),
  sendMeResetLink: () => call("post", "/account/password-reset"),
  passkeys: () => call("get", "/account/passkeys"),
  passkeyRegistrationOptions: () => call("post", "/account/passkeys/options"),
  registerPasskey: (body: RequestBody<"/account/passkeys", "post">) => call("post", "/account/passkeys", { body }),
  renamePasskey: (id: string, name: string) => call("patch", "/account/passkeys/{id}", { path: { id }, body: { name } }),
  removePasskey: (id: string, password?: string) => call("post", "/account/passkeys/{id}/remove", { path: { id }, body: password === undefined ? {} : { password } }),
  passkeySignInOptions: () => call("post", "/auth/passkey/options"),
  passkeySignIn: (body: RequestBody<"/auth/passkey/verify", "post">) => call("post", "/auth/passkey/verify", { body }),
  passkeySecondStepOptions: () => call("post", "/auth/second-factor/passkey/options"),
  passkeySecondStep: (body: RequestBody<"/auth/second-factor/passkey", "post">) => call("post", "/auth/second-factor/passkey", { body }),
  passkeyEnrolmentOptions: () => call("post", "/auth/second-factor/enrol/passkey/options"),
  enrolPasskeyAtSignIn: (body: RequestBody<"/auth/second-factor/enrol/passkey", "post">) => call("post", "/auth/second-factor/enrol/passkey", { body }),
  // The second step of a sign-in (behind the half-finished sign-in's cookie) and the enrolment it may owe.
  pendingSignIn: () => call("get", "/auth/second-factor"),
  takeSecondStep: (body: RequestBody<"/auth/second-factor", "post">) => call("post", "/auth/second-factor", { body }),
  startTotpAtSignIn: () => call("post", "/auth/second-factor/enrol/totp"),
  confirmTotpAtSignIn: (code: string) => call("post", "/auth/second-factor/enrol/totp/confirm", { body: { code } }),
  // The signed-in person's own second factor.
  secondFactor: () => call("get", "/account/second-factor"),
  startTotp: () => call("post", "/account/second-factor/totp"),
  confirmTotp: (code: string) => call("post", "/account/second-factor/totp/confirm", { body: { code } }),
  turnOffTotp: (password: string) => call("post", "/account/second-factor/totp/disable", { body: { password } }),
  regenerateRecoveryCodes: (password: string) => call("post", "/account/second-factor/recovery-codes", { body: { password } }),

  inspectLink: (token: string) => call("post", "/links/inspect", { body: { token } }),
  setPasswordWithLink: (body: RequestBody<"/links/set-password", "post">) => call("post", "/links/set-password", { body }),

  company: () => call("get", "/company"),
  updateCompany: (body: RequestBody<"/company", "patch">) => call("patch", "/company", { body }),
  deleteCompany: (confirmName: string) => call("post", "/company/delete", { body: { confirmName } }),
  setSecondFactorPolicy: (body: RequestBody<"/company/second-factor-policy", "put">) => call("put", "/company/second-factor-policy", { body }),

  teamMembersWithAccess: () => call("get", "/company/team-members"),
  managedCompanies: (params: Query<"/managed-companies", "get">) => call("get", "/managed-companies", { query: params }),
  createLinkedCompany: (body: RequestBody<"/managed-companies", "post">) => call("post", "/managed-companies", { body }),
  memberGrants: (userId: string) => call("get", "/users/{id}/managed-companies", { path: { id: userId } }),
  giveGrant: (userId: string, companyId: string) =>
    call("put", "/users/{id}/managed-companies/{companyId}", { path: { id: userId, companyId } }),
  revokeGrant: (userId: string, companyId: string) =>
    call("delete", "/users/{id}/managed-companies/{companyId}", { path: { id: userId, companyId } }),
  auditEvents: (filters: Query<"/audit-events", "get">) => call("get", "/audit-events", { query: filters }),

  apiClients: () => call("get", "/api-clients"),
  createApiClient: (body: RequestBody<"/api-clients", "post">) => call("post", "/api-clients", { body }),
  rotateApiClientSecret: (clientId: string) => call("post", "/api-clients/{id}/secret", { path: { id: clientId } }),
  deleteApiClient: (clientId: string) => call("delete", "/api-clients/{id}", { path: { id: clientId } }),

  users: (params: Query<"/users", "get">) => call("get", "/users", { query: params }),
  createUser: (body: RequestBody<"/users", "post">) => call("post", "/users", { body }),
  bulkUsers: (body: RequestBody<"/users/bulk", "post">) => call("post", "/users/bulk", { body }),
  previewUserImport: (csv: string) => call("post", "/users/import/preview", { body: { csv } }),
  importUsers: (csv: string) => call("post", "/users/import", { body: { csv } }),
  user: (userId: string) => call("get", "/users/{id}", { path: { id: userId } }),
  updateUser: (userId: string, body: RequestBody<"/users/{id}", "patch">) => call("patch", "/users/{id}", { path: { id: userId }, body }),
  changeRole: (userId: string, role: Role) => call("put", "/users/{id}/role", { path: { id: userId }, body: { role } }),
  deactivateUser: (userId: string) => call("post", "/users/{id}/deactivate", { path: { id: userId } }),
  restoreUser: (userId: string) => call("post", "/users/{id}/restore", { path: { id: userId } }),
  resendInvitation: (userId: string) => call("post", "/users/{id}/invitation", { path: { id: userId } }),

  triggerReset: (userId: string) => call("post", "/users/{id}/password-reset", { path: { id: userId } }),
  resets: (userId: string) => call("get", "/users/{id}/password-resets", { path: { id: userId } }),
  resetSecondFactor: (userId: string) => call("post", "/users/{id}/second-factor-reset", { path: { id: userId } }),
  secondFactorResets: (userId: string) => call("get", "/users/{id}/second-factor-resets", { path: { id: userId } }),
  sessionsOfUser: (userId: string) => call("get", "/users/{id}/sessions", { path: { id: userId } }),
  signInsOfUser: (userId: string, before?: string) => call("get", "/users/{id}/sign-ins", { path: { id: userId }, query: before ? { before } : {} }),
  signOutUserEverywhere: (userId: string) => call("post", "/users/{id}/sessions/sign-out-all", { path: { id: userId } }),
  ownSessions: () => call("get", "/account/sessions"),
  signOutOwnSession: (sessionId: string) => call("delete", "/account/sessions/{sessionId}", { path: { sessionId } }),
  signOutOtherSessions: () => call("post", "/account/sessions/sign-out-others"),
  revokeReset: (userId: string, resetId: string) =>
    call("post", "/users/{id}/password-resets/{resetId}/revoke", { path: { id: userId, resetId } }),

  webhookEndpoints: () => call("get", "/webhook-endpoints"),
  createWebhookEndpoint: (body: RequestBody<"/webhook-endpoints", "post">) => call("post", "/webhook-endpoints", { body }),
  webhookEndpoint: (id: string) => call("get", "/webhook-endpoints/{id}", { path: { id } }),
  updateWebhookEndpoint: (id: string, body: RequestBody<"/webhook-endpoints/{id}", "patch">) => call("patch", "/webhook-endpoints/{id}", { path: { id }, body }),
  rotateWebhookSecret: (id: string) => call("post", "/webhook-endpoints/{id}/rotate-secret", { path: { id } }),
  deleteWebhookEndpoint: (id: string) => call("delete", "/webhook-endpoints/{id}", { path: { id } }),
  webhookDeliveries: (id: string, query: Query<"/webhook-endpoints/{id}/deliveries", "get">) =>
    call("get", "/webhook-endpoints/{id}/deliveries", { path: { id }, query }),
  redeliverWebhook: (id: string, deliveryId: string) =>
    call("post", "/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver", { path: { id, deliveryId } }),

  mailbox: (to?: string) => call("get", "/dev/mailbox", { query: { to } }),
  mailboxEmail: (emailId: string) => call("get", "/dev/mailbox/{id}", { path: { id: emailId } }),
};
