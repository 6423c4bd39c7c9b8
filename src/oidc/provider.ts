import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/client.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import { findActorBySessionToken } from "../features/auth/sessions.ts";
import { signOut } from "../features/auth/sign-out.ts";
import { accountWithGrant, accountWithoutGrant, claimsOf, findAccountForToken, recordGrantSid, type AccountRow, type TokenAccount } from "../features/oidc/account-for-token.ts";
import { CLIENT_EXTRA_METADATA, isMachineClient, type LatchkeyClientMetadata } from "../features/oidc/clients.queries.ts";
import { API_SCOPE_NAMES } from "../features/access/api-scopes.ts";
import { API_TOKEN_TTL_SECONDS, apiAudience } from "../features/api-clients/api-audience.ts";
import { grantCompaniesOf, liveGrantFor } from "../features/oidc/grant-rows.ts";
import { providerAuditEvent } from "../features/oidc/provider-audit-event.ts";
import { BACKCHANNEL_LOGOUT_QUEUE, type BackchannelLogoutJob } from "../features/oidc-grants/backchannel-logout-queue.ts";
import { revokeOidcGrants } from "../features/oidc-grants/revoke-oidc-grants.ts";
import { sessionCookieName } from "../http/middleware/cookies.ts";
import { adapterFactory } from "./adapter.ts";
import { takeKept, writeIssuedWithAudit } from "./issued-tokens.ts";
import { loadKeys, ensureKeys, SIGNING_ALG, type ProviderKeys } from "./keys.ts";
import { errorPage, logoutPage, signedOutPage } from "./pages.ts";
import { prefetchKey, takePrefetched } from "./prefetch.ts";

/** Token lifetimes in seconds (decision 0027, section 3). JWT access tokens cannot be revoked: they are short. */
export const OIDC_TTL = {
  AuthorizationCode: 60,
  AccessToken: 5 * 60,
  IdToken: 10 * 60,
  RefreshToken: 14 * 24 * 3600,
  Grant: 30 * 24 * 3600,
  Interaction: 15 * 60,
} as const;

/** How long after it stops signing a key stays published: the longest-lived token it signed, plus leeway. */
export const KEY_PUBLISH_AFTER_RETIRE_MS = (Math.max(OIDC_TTL.AccessToken, OIDC_TTL.IdToken) + 60) * 1000;

export const COMPANY_CLAIMS = ["company_id", "company_name", "company_role", "company_access", "home_company_id", "home_company_name"] as const;
/** What the platform's API needs in its access token (names are in the ID token and userinfo). */
const ACCESS_TOKEN_CLAIMS = ["company_id", "company_role", "company_access", "home_company_id"] as const;

/** The authorization parameter `company`: absent (own company), `select` (a picker) or a company id. */
export const COMPANY_PARAM = /^(select|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface OidcDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: FastifyBaseLogger;
  jobs: Pick<JobQueue, "send">;
}

type Ctx = KoaContextWithOIDC;

interface LatchkeyAccount {
  accountId: string;
  account: TokenAccount;
  claims(): Record<string, unknown>;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

function sameDigest(presented: string, storedBase64url: string | null | undefined): boolean {
  if (!storedBase64url) return false;
  const stored = Buffer.from(storedBase64url, "base64url");
  const given = digest(presented);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

function originOf(uri: string): string | null {
  try {
    const url = new URL(uri);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The login prompt also asks Latchkey: the provider's session is only a cache of the browser's
 * Latchkey session, which must still be live and the same person's. Signing out of the dashboard,
 * a password reset or a deactivation therefore ends single sign-on too (`prompt=none` →
 * `login_required`), with no bookkeeping of the provider's sessions.
 */
function policyWithLatchkeySession(deps: OidcDeps) {
  const policy = interactionPolicy.base();
  const login = policy.get("login");
  if (!login) throw new Error("oidc-provider's base policy has no login prompt");
  const cookieName = sessionCookieName(deps.config.publicUrl);
  login.checks.add(
    new interactionPolicy.Check("latchkey_session", "A Latchkey sign-in is required", "login_required", async (ctx: Ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return interactionPolicy.Check.REQUEST_PROMPT;
      const token = ctx.cookies.get(cookieName, { signed: false });
      const actor = await findActorBySessionToken(deps.db, token, deps.clock.now(), ctx.ip);
      return actor?.userId === accountId ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
    }),
    0,
  );
  return policy;
}

function providerConfiguration(deps: OidcDeps, keys: ProviderKeys, onReuse: (grantId: string) => Promise<void>): Configuration {
  const https = deps.config.publicUrl.startsWith("https://");
  const cookieFlags = { httpOnly: true, sameSite: "lax" as const, secure: https, signed: true };
  return {
    adapter: adapterFactory(deps.db, { onReuse, now: () => deps.clock.now() }),
    clients: [],
    // Every endpoint under /oidc/, which Latchkey reserves (mount.ts); discovery stays at the issuer's root.
    routes: {
      authorization: "/oidc/auth",
      token: "/oidc/token",
      introspection: "/oidc/token/introspection",
      revocation: "/oidc/token/revocation",
      userinfo: "/oidc/me",
      jwks: "/oidc/jwks",
      end_session: "/oidc/session/end",
      backchannel_authentication: "/oidc/backchannel",
      code_verification: "/oidc/device",
      device_authorization: "/oidc/device/auth",
      pushed_authorization_request: "/oidc/request",
      registration: "/oidc/reg",
      challenge: "/oidc/challenge",
    },
    jwks: { keys: keys.signing as never },
    cookies: {
      names: {
        session: https ? "__Host-latchkey_op" : "latchkey_op",
        interaction: https ? "__Secure-latchkey_interaction" : "latchkey_interaction",
        resume: https ? "__Secure-latchkey_resume" : "latchkey_resume",
      },
      long: { ...cookieFlags, path: "/" },
      short: cookieFlags,
      keys: keys.cookie,
    },
    async findAccount(_ctx, sub, token) {
      const grantId = token?.grantId;
      const prefetched = takePrefetched<AccountRow | undefined>(grantId === undefined ? prefetchKey.accountWithoutGrant(sub) : prefetchKey.account(sub, grantId));
      const account = prefetched
        ? grantId === undefined
          ? accountWithoutGrant(prefetched.value)
          : accountWithGrant(prefetched.value)
        : await findAccountForToken(deps.db, { userId: sub, grantId, now: deps.clock.now() });
      if (!account) return undefined;
      const code = token as { kind?: string; sid?: string; grantId?: string } | undefined;
      if (code?.kind === "AuthorizationCode" && code.sid && code.grantId) await recordGrantSid(deps.db, code.grantId, code.sid);
      const found: LatchkeyAccount = { accountId: account.userId, account, claims: () => claimsOf(account) };
      return found as never;
    },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
      company: [...COMPANY_CLAIMS],
    },
    // The API scopes are a machine client's (decision 0028); an application never holds them (its resource server offers "company" only).
    scopes: ["openid", "offline_access", "email", "profile", "company", ...API_SCOPE_NAMES],
    // The ID token carries the granted scopes' claims: the app knows the acting company without userinfo.
    conformIdTokenClaims: false,
    responseTypes: ["code"],
    pkce: { required: () => true },
    clientAuthMethods: ["client_secret_basic", "none"],
    enabledJWA: { idTokenSigningAlgValues: [SIGNING_ALG], userinfoSigningAlgValues: [SIGNING_ALG] },
    allowOmittingSingleRegisteredRedirectUri: false,
    extraParams: {
      company(ctx: Ctx, value: string | undefined) {
        if (value === undefined) return;
        if (!COMPANY_PARAM.test(value)) throw new errors.InvalidRequest("company must be a company id or select");
        if (!String(ctx.oidc.params?.scope ?? "").split(" ").includes("company")) throw new errors.InvalidRequest("company needs the scope company");
      },
    },
    extraClientMetadata: { properties: [...CLIENT_EXTRA_METADATA] },
    async extraTokenClaims(ctx, token) {
      if (token.kind === "ClientCredentials") {
        // The API refuses a token issued before the client's latest rotation (decision 0029).
        const client = ctx.oidc.client as unknown as LatchkeyClientMetadata | undefined;
        return { company_id: client?.latchkey_company_id ?? undefined, secret_version: client?.latchkey_secret_version ?? undefined };
      }
      if (token.kind !== "AccessToken" || !token.aud) return undefined;
      const account = (ctx.oidc.account as unknown as LatchkeyAccount | undefined)?.account;
      if (!account) return undefined;
      const claims = claimsOf(account);
      return Object.fromEntries(ACCESS_TOKEN_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]));
    },
    async loadExistingGrant(ctx) {
      const submitted = ctx.oidc.result?.consent?.grantId;
      if (submitted) return ctx.oidc.provider.Grant.find(submitted);
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const grantId = session.grantIdFor(client.clientId);
      if (!grantId) return undefined;
      // Single sign-on reuses a grant only for the company this request asks for: another company
      // (or the picker) is a new authorization, checked as such.
      const asked = ctx.oidc.params?.company as string | undefined;
      if (asked === "select") return undefined;
      const live = await liveGrantFor(deps.db, { grantId, userId: session.accountId, now: deps.clock.now() });
      if (!live) return undefined;
      if (asked ? live.actingCompanyId.toLowerCase() !== asked.toLowerCase() : live.access !== "member") return undefined;
      return ctx.oidc.provider.Grant.find(grantId);
    },
    // Every code flow gets a refresh token (the default asks for offline_access, which it drops
    // without prompt=consent); without offline_access it ends with the sign-in session.
    async issueRefreshToken(_ctx, client, code) {
      return client.grantTypeAllowed("refresh_token") && code.scopes.has("openid");
    },
    rotateRefreshToken: true,
    ttl: { ...OIDC_TTL, ClientCredentials: API_TOKEN_TTL_SECONDS, Session: Math.floor(deps.config.sessionTtlMs / 1000) },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        // A client revokes only its own tokens: another client's token is refused to a confidential
        // client and ignored for a public one (RFC 7009 §2.1; the library's default, stated here).
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === "none") return false;
          throw new errors.InvalidRequest("client is not authorized to revoke the presented token");
        },
      },
      introspection: {
        enabled: true,
        // Only a confidential client, and only about its own tokens.
        allowedPolicy: async (_ctx, client, token) => client.clientAuthMethod !== "none" && token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = "html";
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName ?? null);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = "html";
          ctx.body = signedOutPage(ctx.oidc.client?.clientName ?? null);
        },
      },
      backchannelLogout: { enabled: true },
      // A company's machine clients get tokens for Latchkey's own API, and only them (decisions 0028, 0029).
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, client) => (isMachineClient(client) ? apiAudience(deps.config) : undefined),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource, client) => {
          if (isMachineClient(client) || resource === apiAudience(deps.config)) {
            if (!isMachineClient(client) || resource !== apiAudience(deps.config)) throw new errors.InvalidTarget("this resource is not registered for the client");
            return {
              scope: API_SCOPE_NAMES.join(" "),
              audience: resource,
              accessTokenFormat: "jwt",
              accessTokenTTL: API_TOKEN_TTL_SECONDS,
              jwt: { sign: { alg: SIGNING_ALG } },
            };
          }
          const allowed = (client as unknown as LatchkeyClientMetadata).latchkey_resources ?? [];
          if (!allowed.includes(resource)) throw new errors.InvalidTarget("this resource is not registered for the client");
          return {
            scope: "company",
            audience: resource,
            accessTokenFormat: "jwt",
            accessTokenTTL: OIDC_TTL.AccessToken,
            jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
    },
    clientBasedCORS(ctx, origin, client) {
      if (origin === "null") return false;
      // A browser may call the token endpoint only for a public client, userinfo for any client, and
      // only from the origin of one of its own redirect URIs.
      if (ctx.oidc.route !== "userinfo" && client.clientAuthMethod !== "none") return false;
      return (client.redirectUris ?? []).some((uri) => originOf(uri) === origin);
    },
    interactions: {
      url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: policyWithLatchkeySession(deps),
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = errorPage(out as { error?: string; error_description?: string });
    },
    // Outgoing requests go only to back-channel logout URIs, which the operator registered: an
    // application on an internal network is legitimate there, so the library's guard against
    // special-use addresses is dropped (decision 0027, pitfall 7).
    fetch: (url, options) => {
      const { dispatcher: _dropped, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return fetch(url, { ...rest, signal: AbortSignal.timeout(5_000) });
    },
  };
}

/**
 * Why the library revoked a grant itself, told by the endpoint: at the token endpoint only a code or
 * refresh token presented a second time does it (the application's session may rest on a stolen
 * credential: it is told, as when the adapter catches the race); at revocation the client asked;
 * at RP-initiated logout the library tells the applications itself.
 */
function libraryRevocation(route: string | undefined): { reason: string; tellApplication: boolean } {
  if (route === "token") return { reason: "reuse", tellApplication: true };
  if (route === "revocation") return { reason: "token_revoked", tellApplication: false };
  return { reason: "rp_logout", tellApplication: false };
}

/** The provider with Latchkey's rules on it: one instance per key set. */
function buildProvider(deps: OidcDeps, keys: ProviderKeys): Provider {
  const onReuse = async (grantId: string) => {
    await deps.db.transaction((tx) => revokeOidcGrants(tx, deps.jobs, { grantId }, "reuse", deps.clock.now()));
  };
  const provider = new Provider(deps.config.publicUrl, providerConfiguration(deps, keys, onReuse));
  // The mount pins Host and X-Forwarded-* to PUBLIC_URL and the client address to Fastify's; the
  // provider reads only what the mount wrote.
  provider.proxy = true;

  // Extra metadata keeps its name on the client (only registered metadata is camel-cased).
  const compare = function (this: { clientSecret?: string; latchkey_previous_secret_hash?: string | null }, presented: string) {
    return sameDigest(presented, this.clientSecret) || sameDigest(presented, this.latchkey_previous_secret_hash);
  };
  (provider.Client.prototype as unknown as { compareClientSecret: typeof compare }).compareClientSecret = compare;

  // The library posts logout tokens inline, once, at RP-initiated logout; through the queue they are retried.
  const clientPrototype = provider.Client.prototype as unknown as {
    backchannelLogout(sub: string, sid: string | null): Promise<void>;
    deliverBackchannelLogout(sub: string, sid: string | null): Promise<void>;
  };
  clientPrototype.deliverBackchannelLogout = clientPrototype.backchannelLogout;
  clientPrototype.backchannelLogout = async function (this: { clientId: string }, sub: string, sid: string | null) {
    const job: BackchannelLogoutJob = { clientId: this.clientId, userId: sub, sid: sid ?? null, reason: "rp_logout" };
    await deps.jobs.send(deps.db, BACKCHANNEL_LOGOUT_QUEUE, job);
  };

  const latchkeyCookie = sessionCookieName(deps.config.publicUrl);
  // Latchkey's rows of the grants the library revoked during a request, settled before its answer leaves.
  const revocations = new WeakMap<object, Array<Promise<unknown>>>();
  provider.use(async (ctx, next) => {
    await next();
    await Promise.all(revocations.get(ctx) ?? []);
    const oidc = (ctx as Ctx).oidc as Ctx["oidc"] | undefined;
    if (oidc?.route === "end_session") allowFormActionTo(ctx as Ctx, oidc.params?.post_logout_redirect_uri);
    if (oidc?.route === "end_session_confirm" && oidc.params?.logout) await endLatchkeySession(ctx as Ctx);
    // The tokens the token endpoint issued and the audit row, in one statement, before the answer leaves.
    const kept = takeKept(ctx);
    const audit = providerAuditEvent(ctx as Ctx, deps.clock.now());
    // A revocation loads no account: the companies come from Latchkey's row of the grant.
    const grantId = audit?.details?.grantId;
    if (audit && !audit.targetCompanyId && typeof grantId === "string") {
      const companies = await grantCompaniesOf(deps.db, grantId);
      if (companies) Object.assign(audit, { actorCompanyId: companies.userCompanyId, targetCompanyId: companies.actingCompanyId });
    }
    try {
      await writeIssuedWithAudit(deps.db, kept, audit);
    } catch (error) {
      if (kept.length === 0) throw error;
      // What the library answers when saving a token fails: the tokens must not leave unsaved.
      ctx.status = 500;
      ctx.body = { error: "server_error", error_description: "oops! something went wrong" };
      provider.emit("server_error", ctx, error);
    }
  });

  /**
   * The sign-out confirmation posts to the provider, which answers with a redirect to the
   * application; Chromium and Safari apply the page's CSP form-action to that redirect too
   * (decision 0027, pitfall 3). The page may therefore also send the form on to the one origin the
   * library has already checked against the client's registered post-logout URIs.
   */
  function allowFormActionTo(ctx: Ctx, postLogoutRedirectUri: unknown): void {
    if (typeof postLogoutRedirectUri !== "string" || !ctx.oidc.client) return;
    const origin = originOf(postLogoutRedirectUri);
    const csp = ctx.response.get("content-security-policy");
    if (!origin || !csp) return;
    ctx.set("content-security-policy", csp.replace(/form-action 'self'/, `form-action 'self' ${origin}`));
  }

  /**
   * "Yes, sign me out" at an application's request signs the browser out of Latchkey too, as the
   * page says: otherwise the next sign-in would pass silently on the Latchkey session. The library
   * already told the applications of this provider session (back-channel), so no second job.
   */
  async function endLatchkeySession(ctx: Ctx): Promise<void> {
    const token = ctx.cookies.get(latchkeyCookie, { signed: false });
    const actor = await findActorBySessionToken(deps.db, token, deps.clock.now(), ctx.ip);
    if (actor) await signOut({ db: deps.db, clock: deps.clock, jobs: { send: async () => {} } }, actor);
    ctx.cookies.set(latchkeyCookie, null, { path: "/", httpOnly: true, sameSite: "lax", secure: deps.config.publicUrl.startsWith("https://"), signed: false, overwrite: true });
  }
  provider.on("server_error", (_ctx, error) => deps.logger.error({ err: error }, "openid provider error"));
  provider.on("grant.revoked", (ctx: Ctx, grantId: string) => {
    const { reason, tellApplication } = libraryRevocation(ctx.oidc?.route);
    const done = deps.db
      .transaction((tx) => revokeOidcGrants(tx, tellApplication ? deps.jobs : { send: async () => {} }, { grantId }, reason, deps.clock.now()))
      .catch((error: unknown) => deps.logger.error({ err: error }, "could not mark an application grant revoked"));
    revocations.set(ctx, [...(revocations.get(ctx) ?? []), done]);
  });
  return provider;
}

type LogoutCapableClient = { backchannelLogoutUri?: string; deliverBackchannelLogout(sub: string, sid: string | null): Promise<void> };

/**
 * Sends one queued logout token (OIDC Back-Channel Logout 1.0) with the library's own method, which
 * signs it with the current key; anything but 200/204 throws, and pg-boss tries again later.
 */
export async function deliverBackchannelLogout(provider: Provider, job: BackchannelLogoutJob): Promise<"sent" | "client_gone"> {
  const client = (await provider.Client.find(job.clientId)) as unknown as LogoutCapableClient | undefined;
  if (!client?.backchannelLogoutUri) return "client_gone";
  await client.deliverBackchannelLogout(job.userId, job.sid);
  return "sent";
}

const RELOAD_INTERVAL_MS = 60_000;

/** A signing key's public half: what the JWKS endpoint publishes. */
function publicJwkOf(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

/**
 * The provider of this process. Its keystore is fixed when built, so when the keys in the database
 * change (a rotation by the CLI, on any instance) a new provider is built and swapped in; requests
 * in flight finish on the old one.
 */
export class OidcProvider {
  #deps: OidcDeps;
  #current: Promise<{ provider: Provider; fingerprint: string; verify: JWTVerifyGetKey }> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: OidcDeps) {
    this.#deps = deps;
  }

  async current(): Promise<Provider> {
    this.#current ??= this.#build();
    try {
      return (await this.#current).provider;
    } catch (error) {
      this.#current = null;
      throw error;
    }
  }

  /**
   * The public keys the provider publishes, as jose reads them: how the API checks a machine
   * client's access token (decision 0029) with no request to the JWKS endpoint. Built with the provider,
   * so a key rotation reaches both together.
   */
  async accessTokenKeys(): Promise<JWTVerifyGetKey> {
    await this.current();
    const current = await this.#current;
    if (!current) throw new Error("the openid provider is not built");
    return current.verify;
  }

  #instance(keys: ProviderKeys) {
    return { provider: buildProvider(this.#deps, keys), fingerprint: keys.fingerprint, verify: createLocalJWKSet({ keys: keys.signing.map(publicJwkOf) }) };
  }

  async #build() {
    await ensureKeys(this.#deps.db, this.#deps.clock.now());
    const keys = await loadKeys(this.#deps.db, this.#deps.clock.now());
    return this.#instance(keys);
  }

  /** Re-reads the keys; rebuilds the provider when they changed. Returns whether it did. */
  async reload(): Promise<boolean> {
    const keys = await loadKeys(this.#deps.db, this.#deps.clock.now());
    const current = this.#current ? await this.#current.catch(() => null) : null;
    if (current && current.fingerprint === keys.fingerprint) return false;
    this.#current = Promise.resolve(this.#instance(keys));
    return true;
  }

  /** Re-reads the keys every minute (a rotation reaches every instance within it). */
  startReloading(): { stop(): Promise<void> } {
    this.#timer = setInterval(() => {
      this.reload().catch((error: unknown) => this.#deps.logger.error({ err: error }, "could not reload the openid provider's keys"));
    }, RELOAD_INTERVAL_MS);
    this.#timer.unref();
    return {
      stop: async () => {
        if (this.#timer) clearInterval(this.#timer);
        this.#timer = null;
      },
    };
  }
}
