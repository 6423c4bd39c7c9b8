import type { KoaContextWithOIDC } from "oidc-provider";
import type { AuditAction, AuditEventInput } from "../audit/record-audit-event.ts";
import { isMachineClient, type LatchkeyClientMetadata } from "./clients.queries.ts";

interface AccountLike {
  account?: { userId: string; companyId: string; acting: { companyId: string } | null };
}

interface TokenLike {
  accountId?: string;
  grantId?: string;
  scope?: string;
}

/** A request parameter as the audit log may keep it: a string, cut short, its control characters replaced (PostgreSQL refuses a NUL). */
const fromRequest = (value: unknown, max: number) => (typeof value === "string" ? value.slice(0, max).replace(/[\u0000-\u001f\u007f]/g, "\ufffd") : null);

const CLIENT_AUTH_ROUTES = new Set(["token", "introspection", "revocation"]);

/**
 * The provider's answers an administrator expects in the audit log: tokens issued and refreshed
 * (the user's sign-ins to which application, in which company), tokens revoked, tokens refused, and
 * failed client authentication; null for any other answer. The provider writes it before the answer
 * leaves (src/oidc/provider.ts); never a token in `details`.
 */
export function providerAuditEvent(ctx: KoaContextWithOIDC, at: Date): AuditEventInput | null {
  const oidc = ctx.oidc as KoaContextWithOIDC["oidc"] | undefined;
  const route = oidc?.route;
  if (!oidc || !route) return null;
  const body = (typeof ctx.body === "object" && ctx.body !== null ? ctx.body : {}) as { error?: string };
  const entities = oidc.entities as Record<string, unknown>;
  const client = oidc.client;
  const params = (oidc.params ?? {}) as Record<string, unknown>;
  let action: AuditAction | null = null;
  let outcome: "success" | "failure" | "refused" = "success";

  if (ctx.status === 401 && body.error === "invalid_client" && CLIENT_AUTH_ROUTES.has(route)) {
    action = "oidc.client_auth_failed";
    outcome = "failure";
  } else if (route === "token" && ctx.status === 200) {
    action = params.grant_type === "refresh_token" ? "oidc.token_refreshed" : "oidc.token_issued";
  } else if (route === "token" && body.error === "invalid_grant") {
    action = "oidc.grant_refused";
    outcome = "refused";
  } else if (route === "revocation" && ctx.status === 200 && client) {
    action = "oidc.token_revoked";
  }
  if (!action) return null;

  const account = (entities.Account as AccountLike | undefined)?.account;
  const token = (entities.RefreshToken ?? entities.AuthorizationCode ?? entities.AccessToken) as TokenLike | undefined;
  const userId = account?.userId ?? (token?.accountId && /^[0-9a-f-]{36}$/i.test(token.accountId) ? token.accountId : null);
  // A machine client's token: the client is the actor, in its company (decision 0028).
  const machineCompany = client && isMachineClient(client) ? ((client as unknown as LatchkeyClientMetadata).latchkey_company_id ?? null) : null;
  return {
    action,
    outcome,
    actorUserId: userId,
    actorClientId: machineCompany ? (client?.clientId ?? null) : null,
    actorClientName: machineCompany ? (client?.clientName ?? null) : null,
    actorCompanyId: account?.companyId ?? machineCompany,
    targetUserId: userId,
    targetCompanyId: account?.acting?.companyId ?? account?.companyId ?? machineCompany,
    clientAddress: ctx.ip,
    details: {
      clientId: client?.clientId ?? fromRequest(params.client_id, 100),
      ...(client?.clientName ? { clientName: client.clientName } : {}),
      ...(token?.grantId ? { grantId: token.grantId } : {}),
      ...(typeof params.grant_type === "string" ? { grantType: fromRequest(params.grant_type, 50) } : {}),
      ...(body.error ? { error: body.error } : {}),
    },
    at,
  };
}
