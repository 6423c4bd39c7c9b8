import { count, desc, eq, inArray } from "drizzle-orm";
import { companies, emails, linkTokens, sessions, users } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { ROLES, type Role } from "../../src/features/access/roles.ts";
import { hashPassword } from "../../src/features/auth/passwords.ts";
import { normalizeEmail } from "../../src/features/email-address.ts";
import type { TestClient } from "./client.ts";
import { TEST_PUBLIC_URL, type TestApp } from "./test-app.ts";

/** Every factory user signs in with this password. */
export const FACTORY_PASSWORD = "factory made passphrase 4417";

let passwordHash: Promise<string> | undefined;
/** argon2 is slow on purpose: hash once per test file, reuse the hash for every user. */
export function factoryPasswordHash(): Promise<string> {
  passwordHash ??= hashPassword(FACTORY_PASSWORD);
  return passwordHash;
}

let sequence = 0;
const next = () => ++sequence;

export interface SeedCompany {
  id: string;
  name: string;
}

export interface SeedUser {
  id: string;
  companyId: string;
  name: string;
  email: string;
  role: Role;
}

export async function createCompany(deps: Pick<Deps, "db">, options: { name?: string; parentId?: string } = {}): Promise<SeedCompany> {
  const name = options.name ?? `Company ${next()}`;
  const [row] = await deps.db
    .insert(companies)
    .values({ name, contactEmail: `contact@company-${next()}.test`, parentId: options.parentId ?? null })
    .returning({ id: companies.id, name: companies.name });
  if (!row) throw new Error("company insert returned nothing");
  return row;
}

export interface SeedUserOptions {
  role?: Role;
  name?: string;
  email?: string;
  /** false: an invited user who has not chosen a password yet. */
  withPassword?: boolean;
  status?: "active" | "deactivated";
}

/** A user written straight to the database (no invitation, no email), signing in with FACTORY_PASSWORD. */
export async function createUser(deps: Pick<Deps, "db" | "clock">, company: SeedCompany, options: SeedUserOptions = {}): Promise<SeedUser> {
  const role = options.role ?? "user";
  const n = next();
  const name = options.name ?? `${role.replace("_", "-")} ${n}`;
  const email = options.email ?? `${role.replace("_", "-")}.${n}@example.test`;
  const now = deps.clock.now();
  const withPassword = options.withPassword ?? true;
  const deactivated = options.status === "deactivated";
  const [row] = await deps.db
    .insert(users)
    .values({
      companyId: company.id,
      email,
      emailNormalized: normalizeEmail(email),
      name,
      nameSort: name.normalize("NFC").toLowerCase(),
      role,
      status: deactivated ? "deactivated" : "active",
      deactivatedAt: deactivated ? now : null,
      passwordHash: withPassword ? await factoryPasswordHash() : null,
      passwordChangedAt: withPassword ? now : null,
    })
    .returning({ id: users.id });
  if (!row) throw new Error("user insert returned nothing");
  return { id: row.id, companyId: company.id, name, email, role };
}

export type UsersByRole = Record<Role, SeedUser>;

/** A company with one user of each role: administrator, manager, user, read_only. */
export async function createCompanyWithUsers(deps: Pick<Deps, "db" | "clock">, options: { name?: string } = {}) {
  const company = await createCompany(deps, options);
  const members = {} as UsersByRole;
  for (const role of ROLES) members[role] = await createUser(deps, company, { role });
  return { company, users: members };
}

/** A browser signed in as the user, through the real login endpoint. */
export async function signIn(t: TestApp, user: Pick<SeedUser, "email">, clientAddress?: string): Promise<TestClient> {
  const client = t.client(clientAddress);
  const reply = await client.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
  if (reply.status !== 200) throw new Error(`sign-in of ${user.email} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return client;
}

/** Rows in the outbox: every email an action caused, delivered or not. */
export async function countEmails(deps: Pick<Deps, "db">): Promise<number> {
  const [row] = await deps.db.select({ n: count() }).from(emails);
  return row?.n ?? 0;
}

export async function readUser(deps: Pick<Deps, "db">, userId: string) {
  const [row] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!row) throw new Error(`no user ${userId}`);
  return row;
}

/**
 * Everything an action on a company's users could change: the company, its users, their
 * sessions (whether they still work; not when they were last seen) and links, and the outbox.
 * Two equal snapshots mean nothing happened.
 */
export async function snapshotCompany(deps: Pick<Deps, "db">, companyId: string) {
  const [company] = await deps.db.select().from(companies).where(eq(companies.id, companyId));
  const members = await deps.db.select().from(users).where(eq(users.companyId, companyId)).orderBy(users.id);
  const ids = members.map((u) => u.id);
  const memberSessions = ids.length
    ? await deps.db.select({ id: sessions.id, userId: sessions.userId, revokedAt: sessions.revokedAt, actingCompanyId: sessions.actingCompanyId }).from(sessions).where(inArray(sessions.userId, ids)).orderBy(sessions.id)
    : [];
  const links = ids.length ? await deps.db.select().from(linkTokens).where(inArray(linkTokens.userId, ids)).orderBy(linkTokens.id) : [];
  return { company, users: members, sessions: memberSessions, links, emailCount: await countEmails(deps) };
}

/** The newest email to a user. The test clock stands still, so two in one instant would be ambiguous: refused. */
export async function lastEmailTo(deps: Pick<Deps, "db">, userId: string) {
  const [row, previous] = await deps.db.select().from(emails).where(eq(emails.userId, userId)).orderBy(desc(emails.createdAt)).limit(2);
  if (!row) throw new Error(`no email for ${userId}`);
  if (previous && previous.createdAt.getTime() === row.createdAt.getTime()) throw new Error("two emails in the same instant: advance the clock");
  return row;
}

const INVITE_LINK = new RegExp(`${TEST_PUBLIC_URL.replace(/[.]/g, "\\.")}/set-password#token=([A-Za-z0-9_-]{43})`);

/** The token of the invitation link in an email's text, which must start with PUBLIC_URL. */
export function invitationTokenIn(text: string): string {
  const match = INVITE_LINK.exec(text);
  if (!match?.[1]) throw new Error("no invitation link in the email");
  return match[1];
}

/** Creates a user through the API, as the signed-in client, and returns them with their invitation token. */
export async function inviteUser(t: TestApp, client: TestClient, name: string, email: string) {
  const reply = await client.post("/api/v1/users", { name, email, role: "user" });
  if (reply.status !== 201) throw new Error(`invitation of ${email} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const user = reply.body.user as { id: string; email: string };
  return { user, token: invitationTokenIn((await lastEmailTo(t.deps, user.id)).text) };
}
