import type { FastifySchema } from "fastify";
import { API_SCOPE_DESCRIPTIONS, API_SCOPE_NAMES, scopesAllow } from "../../../features/access/api-scopes.ts";
import type { Permission } from "../../../features/access/permissions.ts";
import { apiAudience } from "../../../features/api-clients/api-audience.ts";

/**
 * The document's two ways in (decision 0029): a person's session cookie (and, for a write, the
 * CSRF token in a header), or a machine client's bearer token from the client-credentials grant.
 */
export function securitySchemes(publicUrl: string) {
  return {
    session: { type: "apiKey", in: "cookie", name: "latchkey_session", description: "The dashboard's session (__Host-latchkey_session over HTTPS)." },
    csrf: { type: "apiKey", in: "header", name: "x-csrf-token", description: "With a session, every write: GET /api/v1/csrf-token." },
    apiClient: {
      type: "oauth2",
      description: `A company's API client: a JWT access token (RFC 9068) from the token endpoint with grant_type=client_credentials and resource=${apiAudience({ publicUrl })}, sent as Authorization: Bearer. Never together with a session cookie (400). A client of a multi-company profile acts in a linked company by naming it in the Latchkey-Company header.`,
      flows: { clientCredentials: { tokenUrl: `${publicUrl}/oidc/token`, scopes: API_SCOPE_DESCRIPTIONS } },
    },
  } as const;
}

/** A list: the route needs one of them, depending on what the request asks (a bulk action). */
type Access = "public" | "person" | Permission | Permission[];

/**
 * Who may call each route, for the document only: the use cases decide (features/access). A route
 * with a permission accepts a session and an API client holding a scope with that permission; a
 * "person" route only a session. Routes not listed are documented as needing a session.
 */
const ROUTE_ACCESS: Record<string, Access> = {
  "GET /api/v1/csrf-token": "public",
  "GET /api/v1/config": "public",
  "POST /api/v1/auth/register": "public",
  "POST /api/v1/auth/login": "public",
  // The second step of a sign-in: the half-finished sign-in's cookie, not a session (decision 0037).
  "GET /api/v1/auth/second-factor": "public",
  "POST /api/v1/auth/second-factor": "public",
  "POST /api/v1/auth/second-factor/enrol/totp": "public",
  "POST /api/v1/auth/second-factor/enrol/totp/confirm": "public",
  "POST /api/v1/auth/second-factor/enrol/passkey/options": "public",
  "POST /api/v1/auth/second-factor/enrol/passkey": "public",
  "POST /api/v1/auth/second-factor/passkey/options": "public",
  "POST /api/v1/auth/second-factor/passkey": "public",
  "POST /api/v1/auth/forgot-password": "public",
  "POST /api/v1/auth/passkey/options": "public",
  "POST /api/v1/auth/passkey/verify": "public",
  "POST /api/v1/links/inspect": "public",
  "POST /api/v1/links/set-password": "public",
  "GET /api/v1/users": "users.view",
  "GET /api/v1/users/export.csv": "users.view",
  // Each action needs its single-user route's permission (bulk-user-action.ts): deactivate and restore users:write, the rest users:reset.
  "POST /api/v1/users/bulk": ["users.deactivate", "users.restore", "users.triggerReset"],
  "POST /api/v1/users": "users.create",
  "POST /api/v1/users/import/preview": "users.create",
  "POST /api/v1/users/import": "users.create",
  "GET /api/v1/users/:id": "users.view",
  "PATCH /api/v1/users/:id": "users.updateDetails",
  "PUT /api/v1/users/:id/role": "users.changeRole",
  "POST /api/v1/users/:id/deactivate": "users.deactivate",
  "POST /api/v1/users/:id/restore": "users.restore",
  "POST /api/v1/users/:id/invitation": "users.triggerReset",
  "POST /api/v1/users/:id/password-reset": "users.triggerReset",
  "GET /api/v1/users/:id/password-resets": "users.triggerReset",
  "POST /api/v1/users/:id/password-resets/:resetId/revoke": "users.triggerReset",
  "POST /api/v1/users/:id/second-factor-reset": "users.resetSecondFactor",
  "GET /api/v1/users/:id/second-factor-resets": "users.resetSecondFactor",
  // No API scope holds it: documented as a session's only (decision 0048).
  "GET /api/v1/users/:id/sessions": "users.signOut",
  "GET /api/v1/users/:id/sign-ins": "users.viewSignIns",
  "POST /api/v1/users/:id/sessions/sign-out-all": "users.signOut",
  "GET /api/v1/users/:id/managed-companies": "users.view",
  "PUT /api/v1/users/:id/managed-companies/:companyId": "grants.manage",
  "DELETE /api/v1/users/:id/managed-companies/:companyId": "grants.manage",
  "GET /api/v1/company": "company.view",
  // No API scope holds it: documented as a session's only (decision 0039).
  "PUT /api/v1/company/second-factor-policy": "company.setSecondFactorPolicy",
  "GET /api/v1/audit-events": "audit.view",
  "GET /api/v1/audit-events/export.csv": "audit.view",
};

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The scopes an API client needs for a route: any one of them (each scope is a set of permissions). */
export function scopesFor(permission: Permission | Permission[]): string[] {
  const wanted = Array.isArray(permission) ? permission : [permission];
  return API_SCOPE_NAMES.filter((scope) => wanted.some((one) => scopesAllow([scope], one)));
}

/** The route's `security` requirement: alternatives, any one of which suffices. */
export function securityOf(method: string, url: string): Array<Record<string, string[]>> {
  const access = ROUTE_ACCESS[`${method} ${url}`] ?? "person";
  if (access === "public") return [];
  const session: Record<string, string[]> = SAFE.has(method) ? { session: [] } : { session: [], csrf: [] };
  if (access === "person") return [session];
  const scopes = scopesFor(access);
  return scopes.length === 0 ? [session] : [session, ...scopes.map((scope) => ({ apiClient: [scope] }))];
}

/** For @fastify/swagger's transform: the route's schema with its security requirement. */
export function withSecurity<T extends { schema: FastifySchema; url: string }>(transformed: T, method: string | string[], url: string): T {
  const first = Array.isArray(method) ? (method[0] ?? "GET") : method;
  return { ...transformed, schema: { ...transformed.schema, security: securityOf(first.toUpperCase(), url) } };
}
