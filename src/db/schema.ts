import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
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
     * The latest sign-in of any of its users, to the minute (login.ts moves it at most once a
     * minute), for the managed companies page (decision 0015).
     */
    lastLoginAt: ts("last_login_at"),
    createdAt: createdAt(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
    deletedAt: ts("deleted_at"),
  },
  (t) => [
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
  ],
);

/**
 * Each user's latest sign-in, kept apart from users (decision 0015): a sign-in writes this narrow row
 * and never a new version of the user's, so the users pages stay all-visible for the list's
 * index-only scans and no users index is written.
 */
export const userLogins = pgTable("user_logins", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id),
  lastLoginAt: ts("last_login_at").notNull(),
});

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
