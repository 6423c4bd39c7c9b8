import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
/**
 * Text compared byte by byte (code point order for UTF-8): one order on every installation whatever
 * its locale, and a LIKE 'prefix%' that a plain index on the column can answer in that order.
 */
const byteOrderedText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });
const createdAt = () => ts("created_at").notNull().defaultNow();

export const roleEnum = pgEnum("role", ["administrator", "manager", "user", "read_only"]);
export const userStatusEnum = pgEnum("user_status", ["active", "deactivated"]);
export const linkPurposeEnum = pgEnum("link_purpose", ["invite", "reset"]);
export const emailStatusEnum = pgEnum("email_status", ["queued", "sent", "retrying", "failed", "dropped"]);

export const companies = pgTable(
  "companies",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    contactEmail: text("contact_email"),
    phone: text("phone"),
    address: text("address"),
    /** A multi-company profile: it may have linked companies (one level only). */
    isMultiCompany: boolean("is_multi_company").notNull().default(false),
    /** How many linked companies the parent may create itself from the dashboard. */
    linkedAllowance: integer("linked_allowance").notNull().default(0),
    parentId: uuid("parent_id").references((): AnyPgColumn => companies.id),
    /**
     * Who linked it to its parent: 'parent' when the parent's administrators created it from the
     * dashboard (it counts against linked_allowance), 'operator' when the CLI linked it (it does
     * not); null when not linked. Only 'parent' is ever counted.
     */
    linkedBy: text("linked_by"),
    /**
     * The latest sign-in of any of its users, to the minute (login.ts moves it at most once a
     * minute), for the managed companies page (decision 0015).
     */
    lastLoginAt: ts("last_login_at"),
    /**
     * The second-factor policy (issue 18): since when a second factor is required of the company's
     * users (null: not required), and how many days a user without one may still sign in after it
     * (or after their own first sign-in under it) before they must enrol.
     */
    secondFactorRequiredAt: ts("second_factor_required_at"),
    secondFactorGraceDays: integer("second_factor_grace_days").notNull().default(7),
    /** A parent's policy applied to its linked companies: they follow it while this is true. */
    secondFactorPolicyForLinked: boolean("second_factor_policy_for_linked").notNull().default(false),
    /** Whether the company's users may sign in with a passkey alone (no password). */
    passkeySignInAllowed: boolean("passkey_sign_in_allowed").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    deletedAt: ts("deleted_at"),
  },
  (t) => [
    check("companies_second_factor_grace_days_check", sql`${t.secondFactorGraceDays} between 0 and 90`),
    // Managed companies pages in order, and their name searches (byte order, like users.name_sort).
    index("companies_parent_name_idx").on(t.parentId, sql`lower(${t.name}) COLLATE "C"`, t.id),
    index("companies_name_idx").on(sql`lower(${t.name}) text_pattern_ops`),
    check("companies_not_own_parent", sql`${t.parentId} is null or ${t.parentId} <> ${t.id}`),
  ],
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id),
    /** The address as the person gave it; emails go here. */
    email: text("email").notNull(),
    /** NFC + lower-case: the login, unique across the installation. */
    emailNormalized: text("email_normalized").notNull(),
    name: text("name").notNull(),
    /** lower(name) kept as a column so prefix search and ordering use one index. */
    nameSort: byteOrderedText("name_sort").notNull(),
    role: roleEnum("role").notNull().default("user"),
    status: userStatusEnum("status").notNull().default("active"),
    /** Null until the user sets a password (invitation), and again after a restore. */
    passwordHash: text("password_hash"),
    passwordChangedAt: ts("password_changed_at"),
    /** When the user last completed a link emailed to their current address (the OpenID claim email_verified); cleared by an address change. */
    emailVerifiedAt: ts("email_verified_at"),
    deactivatedAt: ts("deactivated_at"),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_normalized_key").on(t.emailNormalized),
    // Pages, name searches and their counts in one: status rides along so counts never visit the table.
    index("users_company_name_status_idx").on(t.companyId, t.nameSort, t.id, t.status),
    // Email searches; name_sort, status and id ride along for the same reason.
    index("users_company_email_search_idx").on(t.companyId, sql`${t.emailNormalized} text_pattern_ops`, t.nameSort, t.status, t.id),
    // The same, for users whose email and name start differently: the only ones a search of up to
    // three characters can find by email and not by name (users.queries.ts, searchBranches).
    index("users_company_email_only_idx")
      .on(t.companyId, sql`${t.emailNormalized} text_pattern_ops`, t.nameSort, t.status, t.id)
      .where(sql`left(email_normalized, 3) collate "C" <> left(name_sort, 3)`),
    // The list's total: one entry per (company, status) pair and row, stored deduplicated, so
    // counting a company of 100,000 reads ~90 pages where the name index takes ~1,150 (decision 0015).
    index("users_company_status_idx").on(t.companyId, t.status),
    // The list's other orders (decision 0047), each with id last so ties are broken the same way by
    // the keyset cursor; the filter columns ride along so a filtered page is read from the index.
    index("users_company_email_order_idx").on(t.companyId, sql`${t.emailNormalized} collate "C"`, t.id, t.status, t.role),
    // Serves the role order and, with role first, any page or count filtered by role.
    index("users_company_role_name_idx").on(t.companyId, t.role, t.nameSort, t.id, t.status),
    index("users_company_status_name_idx").on(t.companyId, t.status, t.nameSort, t.id, t.role),
    index("users_company_created_idx").on(t.companyId, t.createdAt, t.id, t.status, t.role),
  ],
);

/**
 * Each user's latest sign-in, kept apart from users (decision 0015): a sign-in writes this narrow row
 * and never a new version of the user's, so the users pages stay all-visible for the list's
 * index-only scans and no users index is written.
 */
export const userLogins = pgTable(
  "user_logins",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id),
    lastLoginAt: ts("last_login_at").notNull(),
    /**
     * The user's company, copied by a trigger on insert (migration 0013) so the users list can be read
     * in last sign-in order from one index. A user never changes company, so the copy never goes stale.
     */
    companyId: uuid("company_id"),
  },
  (t) => [index("user_logins_company_at_idx").on(t.companyId, t.lastLoginAt, t.userId)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** SHA-256 of the cookie value; the value itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** The company the user works in right now: their own, or a linked company they switched into. */
    actingCompanyId: uuid("acting_company_id")
      .notNull()
      .references(() => companies.id),
    createdAt: createdAt(),
    lastSeenAt: ts("last_seen_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    clientAddress: text("client_address"),
    userAgent: text("user_agent"),
  },
  (t) => [uniqueIndex("sessions_token_hash_key").on(t.tokenHash), index("sessions_user_idx").on(t.userId)],
);

/** Invitation and password-reset links. Only the SHA-256 of the token is stored. */
export const linkTokens = pgTable(
  "link_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    purpose: linkPurposeEnum("purpose").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
    supersededAt: ts("superseded_at"),
    revokedAt: ts("revoked_at"),
    /** Why it was revoked: password_changed, email_changed, deactivated, admin, … */
    revokedReason: text("revoked_reason"),
    /** Who asked: null for self-service; the user's own id when they asked from account settings. */
    requestedByUserId: uuid("requested_by_user_id").references(() => users.id),
    requestedByCompanyId: uuid("requested_by_company_id").references(() => companies.id),
    /** A machine client that asked (issue 17), and its name then: the history outlives a deleted client. */
    requestedByClientId: text("requested_by_client_id"),
    requestedByClientName: text("requested_by_client_name"),
    /** The grant that allowed a cross-company request, if any. */
    grantId: uuid("grant_id"),
  },
  (t) => [
    uniqueIndex("link_tokens_token_hash_key").on(t.tokenHash),
    index("link_tokens_user_idx").on(t.userId, t.createdAt),
  ],
);

/** The outbox: every email is a row written in the same transaction as the action behind it. */
export const emails = pgTable(
  "emails",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    userId: uuid("user_id").references(() => users.id),
    /** The link this email carries; the worker drops the email if the link died before delivery. */
    linkTokenId: uuid("link_token_id").references(() => linkTokens.id),
    status: emailStatusEnum("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
    sentAt: ts("sent_at"),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("emails_created_idx").on(t.createdAt),
    index("emails_link_token_idx").on(t.linkTokenId),
    index("emails_status_idx").on(t.status),
  ],
);

export const managementGrants = pgTable(
  "management_grants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamMemberId: uuid("team_member_id")
      .notNull()
      .references(() => users.id),
    companyId: uuid("company_id")
      .notNull()
      .references(() => companies.id),
    grantedByUserId: uuid("granted_by_user_id").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("management_grants_member_company_key").on(t.teamMemberId, t.companyId),
    index("management_grants_company_idx").on(t.companyId),
  ],
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: ts("at").notNull().defaultNow(),
    action: text("action").notNull(),
    outcome: text("outcome").notNull().default("success"),
    actorUserId: uuid("actor_user_id"),
    /** A machine client that acted (issue 17); its id is an oidc_clients id, never a user's. No foreign key: the row outlives the client. */
    actorClientId: text("actor_client_id"),
    actorCompanyId: uuid("actor_company_id"),
    /** The company the actor was working in (differs from actorCompanyId when switched in). */
    actingCompanyId: uuid("acting_company_id"),
    targetUserId: uuid("target_user_id"),
    targetCompanyId: uuid("target_company_id"),
    grantId: uuid("grant_id"),
    clientAddress: text("client_address"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index("audit_events_actor_company_at_idx").on(t.actorCompanyId, t.at),
    index("audit_events_target_company_at_idx").on(t.targetCompanyId, t.at),
    index("audit_events_at_idx").on(t.at),
  ],
);

/**
 * "Forgot password" requests waiting for their worker (decision 0034): the request path's one
 * INSERT, committed before the 202, and deleted by the worker in the transaction that does their
 * work — so a crash loses none. Logged (unlike rate_limits): a lost row would be a lost email.
 */
export const forgotPasswordRequests = pgTable("forgot_password_requests", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  /** Normalised, as typed: the worker looks the account up by it. */
  email: text("email").notNull(),
  clientAddress: text("client_address").notNull(),
  requestedAt: ts("requested_at").notNull(),
});

/** Fixed-window counters shared by every instance through the database. UNLOGGED (migration 0003, decision 0013). */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: ts("window_start").notNull(),
  count: integer("count").notNull(),
});

/**
 * Every change of a user's address (decision 0021): "password changed" also goes to the addresses
 * the account had in the last 24 hours, so a takeover by changing the address and back is not silent.
 * Pruned after 30 days by housekeeping; the audit log keeps the history.
 */
export const emailChanges = pgTable(
  "email_changes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    previousEmail: text("previous_email").notNull(),
    newEmail: text("new_email").notNull(),
    changedAt: ts("changed_at").notNull(),
    changedByUserId: uuid("changed_by_user_id").references(() => users.id),
  },
  (t) => [index("email_changes_user_changed_idx").on(t.userId, t.changedAt)],
);

/**
 * What the OpenID provider (oidc-provider) stores: sessions, interactions, codes, tokens, grants
 * (decision 0027). One row per model instance; the columns beside the payload are what the adapter
 * looks rows up by, filled by the adapter rather than indexed as jsonb expressions.
 */
export const oidcPayloads = pgTable(
  "oidc_payloads",
  {
    model: text("model").notNull(),
    id: text("id").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    grantId: text("grant_id"),
    uid: text("uid"),
    accountId: text("account_id"),
    expiresAt: ts("expires_at").notNull(),
    consumedAt: ts("consumed_at"),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.id] }),
    index("oidc_payloads_grant_idx").on(t.grantId).where(sql`grant_id is not null`),
    index("oidc_payloads_uid_idx").on(t.uid).where(sql`uid is not null`),
    index("oidc_payloads_account_idx").on(t.accountId).where(sql`account_id is not null`),
    index("oidc_payloads_expires_idx").on(t.expiresAt),
  ],
);

/** The provider's signing keys and cookie keys, shared by every instance. Private parts are read only by src/oidc/keys.ts. */
export const oidcKeys = pgTable(
  "oidc_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    purpose: text("purpose").notNull(),
    kid: text("kid"),
    privateJwk: jsonb("private_jwk").$type<Record<string, unknown>>(),
    publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>(),
    secret: text("secret"),
    createdAt: createdAt(),
    /** From this moment new tokens are signed with it (or, for cookies, it signs new cookies). */
    signsFrom: ts("signs_from").notNull(),
    /** A newer key took over signing. */
    retiredAt: ts("retired_at"),
    /** Published (verifiable) until then: the last token it signed has expired. */
    publishUntil: ts("publish_until"),
  },
  (t) => [check("oidc_keys_purpose_check", sql`${t.purpose} in ('signing', 'cookie')`), uniqueIndex("oidc_keys_kid_key").on(t.kid)],
);

/**
 * Applications registered by the operator, and companies' machine clients (kind 'machine', decision
 * 0028): one table, so the provider looks both up the same way. Only the SHA-256 of a secret is kept.
 */
export const oidcClients = pgTable(
  "oidc_clients",
  {
  id: text("id").primaryKey(),
  kind: text("kind").notNull().default("application"),
  name: text("name").notNull(),
  /** Null for a public client (PKCE, no secret). */
  secretHash: text("secret_hash"),
  previousSecretHash: text("previous_secret_hash"),
  previousSecretExpiresAt: ts("previous_secret_expires_at"),
  firstParty: boolean("first_party").notNull().default(false),
  redirectUris: text("redirect_uris").array().notNull(),
  postLogoutRedirectUris: text("post_logout_redirect_uris").array().notNull().default(sql`'{}'::text[]`),
  backchannelLogoutUri: text("backchannel_logout_uri"),
  /** Resource indicators (APIs) the client may ask access tokens for. */
  resources: text("resources").array().notNull().default(sql`'{}'::text[]`),
  /** A machine client's company: deleting the company row deletes its clients. */
  companyId: uuid("company_id").references(() => companies.id, { onDelete: "cascade" }),
  /** A machine client's API scopes (features/access/api-scopes.ts). */
  scopes: text("scopes").array().notNull().default(sql`'{}'::text[]`),
  /** Who created a machine client: an administrator, or null for the operator (created_by_operator). */
  createdByUserId: uuid("created_by_user_id").references(() => users.id, { onDelete: "set null" }),
  createdByOperator: boolean("created_by_operator").notNull().default(false),
  /** Counts rotations: a machine token names the version it was issued under, and an older one is refused. */
  secretVersion: integer("secret_version").notNull().default(1),
  /** Written at most once a minute (features/api-clients/authenticate-api-client.ts). */
  lastUsedAt: ts("last_used_at"),
  createdAt: createdAt(),
  updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("oidc_clients_kind_check", sql`(${t.kind} = 'application' and ${t.companyId} is null) or (${t.kind} = 'machine' and ${t.companyId} is not null)`),
    index("oidc_clients_company_idx").on(t.companyId).where(sql`${t.kind} = 'machine'`),
  ],
);

/**
 * Latchkey's side of a provider grant: who, for which application, acting in which company and by
 * which authority. No live row = no authority: every token use re-checks it (decision 0027).
 */
export const oidcGrants = pgTable(
  "oidc_grants",
  {
    grantId: text("grant_id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    clientId: text("client_id")
      .notNull()
      .references(() => oidcClients.id, { onDelete: "cascade" }),
    /** The Latchkey session the sign-in came from (no foreign key: sessions are pruned). */
    sessionId: uuid("session_id"),
    actingCompanyId: uuid("acting_company_id")
      .notNull()
      .references(() => companies.id),
    access: text("access").notNull(),
    scope: text("scope").notNull(),
    /** The provider's session id for this client, known from the code exchange: back-channel logout names it. */
    sid: text("sid"),
    createdAt: createdAt(),
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [
    check("oidc_grants_access_check", sql`${t.access} in ('member', 'grant', 'parent_administrator')`),
    index("oidc_grants_user_idx").on(t.userId).where(sql`revoked_at is null`),
    index("oidc_grants_company_idx").on(t.actingCompanyId).where(sql`revoked_at is null`),
    index("oidc_grants_session_idx").on(t.sessionId).where(sql`revoked_at is null`),
    index("oidc_grants_client_idx").on(t.clientId),
  ],
);

export const webhookDeliveryStatusEnum = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed"]);

/**
 * Where a company's (or, with no company, the whole platform's) events are sent. The signing secret
 * must be kept to sign, so it is stored encrypted when WEBHOOK_SECRET_KEY is set (decision 0031).
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Null for a platform-wide endpoint (operator): it receives every company's events. */
    companyId: uuid("company_id").references(() => companies.id),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    events: text("events").array().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** "failing" when Latchkey turned it off after a day of failures; "manual" when a person did. */
    disabledReason: text("disabled_reason"),
    secret: text("secret").notNull(),
    /** The secret before the last rotation: deliveries carry both signatures until it expires. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: ts("previous_secret_expires_at"),
    /** Since when every attempt has failed (null after a success): a day of it disables the endpoint. */
    failingSince: ts("failing_since"),
    createdByUserId: uuid("created_by_user_id"),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("webhook_endpoints_disabled_reason_check", sql`${t.disabledReason} in ('failing', 'manual')`),
    index("webhook_endpoints_company_idx").on(t.companyId).where(sql`enabled`),
  ],
);

/** One row per event an endpoint wanted, written in the action's own transaction (decision 0032). */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: uuid("id").primaryKey(),
    type: text("type").notNull(),
    companyId: uuid("company_id"),
    occurredAt: ts("occurred_at").notNull(),
    /** The exact JSON body sent (signed as is). */
    payload: text("payload").notNull(),
  },
  (t) => [index("webhook_events_occurred_idx").on(t.occurredAt)],
);

/** One row per (event, endpoint): the outbox the delivery worker claims, and the delivery log. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Insertion order: a subject's deliveries to one endpoint go out in it. */
    seq: bigserial("seq", { mode: "number" }).notNull(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: uuid("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    subjectKey: text("subject_key").notNull(),
    status: webhookDeliveryStatusEnum("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at"),
    /** A claim's lease: a worker that died mid-attempt leaves the row to another after it. */
    lockedUntil: ts("locked_until"),
    lastAttemptAt: ts("last_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    lastDurationMs: integer("last_duration_ms"),
    createdAt: createdAt(),
    deliveredAt: ts("delivered_at"),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index("webhook_deliveries_subject_idx").on(t.endpointId, t.subjectKey, t.seq).where(sql`status = 'pending'`),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
    index("webhook_deliveries_event_idx").on(t.eventId),
  ],
);

/**
 * A user's authenticator app (TOTP, RFC 6238), one per user (issue 18). The secret must be kept to
 * check codes, so it is stored encrypted when the key is configured (the stored form says which).
 * Until confirmed_at, it is an enrolment in progress and does not count as a factor.
 */
export const totpFactors = pgTable("totp_factors", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  secret: text("secret").notNull(),
  confirmedAt: ts("confirmed_at"),
  /** The last time step a code was accepted for: a code of that step or an earlier one is refused (each code once). */
  lastUsedStep: bigint("last_used_step", { mode: "number" }),
  createdAt: createdAt(),
});

/** Ten single-use recovery codes per user, as SHA-256 digests; regenerating replaces the set. */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: ts("used_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("recovery_codes_user_code_key").on(t.userId, t.codeHash)],
);

/** WebAuthn credentials (passkeys), several per user, each named by its owner. */
export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The credential id, base64url, as the authenticator gave it. */
    credentialId: text("credential_id").notNull(),
    /** The COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    signCount: bigint("sign_count", { mode: "number" }).notNull().default(0),
    transports: text("transports").array().notNull().default(sql`'{}'::text[]`),
    name: text("name").notNull(),
    deviceType: text("device_type"),
    backedUp: boolean("backed_up").notNull().default(false),
    createdAt: createdAt(),
    lastUsedAt: ts("last_used_at"),
  },
  (t) => [uniqueIndex("passkeys_credential_id_key").on(t.credentialId), index("passkeys_user_idx").on(t.userId)],
);

/**
 * A half-finished sign-in (issue 18): the password was right (or a passkey ceremony began) and a
 * second step is owed. Server-side, short-lived, bound to the browser by a cookie whose SHA-256 is
 * token_hash; never a session. The WebAuthn challenge of a ceremony in progress rides on it.
 */
export const signInChallenges = pgTable(
  "sign_in_challenges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    /** Null for a passwordless passkey ceremony that has not yet named its user. */
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** 'second_factor': a factor is owed; 'enrol': the user must set one up first; 'passkey': passwordless. */
    purpose: text("purpose").notNull(),
    webauthnChallenge: text("webauthn_challenge"),
    /** Wrong codes against this challenge (it dies after a few; the account's limit counts them too). */
    failures: integer("failures").notNull().default(0),
    clientAddress: text("client_address"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
  },
  (t) => [
    check("sign_in_challenges_purpose_check", sql`${t.purpose} in ('second_factor', 'enrol', 'passkey')`),
    uniqueIndex("sign_in_challenges_token_hash_key").on(t.tokenHash),
    index("sign_in_challenges_expires_idx").on(t.expiresAt),
  ],
);

/**
 * Users who must enrol a second factor at their next sign-in whatever their company's policy: an
 * administrator reset theirs (issue 18). The row goes when they enrol.
 */
export const secondFactorEnrolmentsDue = pgTable("second_factor_enrolments_due", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  reason: text("reason").notNull(),
  since: ts("since").notNull(),
});
