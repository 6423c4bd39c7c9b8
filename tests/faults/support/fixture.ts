import { eq } from "drizzle-orm";
import { systemClock } from "../../../src/clock.ts";
import { migrateDatabase, type Db } from "../../../src/db/client.ts";
import { emails, linkTokens } from "../../../src/db/schema.ts";
import { createCompanyWithUsers, createUser, FACTORY_PASSWORD, type SeedCompany, type SeedUser } from "../../support/factories.ts";
import type { ServiceClient, ServiceProcess } from "../../support/process.ts";
import type { CapturedMessage, TestSmtpServer } from "../../support/smtp-server.ts";
import { createTestDatabase } from "../../support/test-database.ts";
import { linksInText } from "../../../src/email/mailbox-transport.ts";

/** The fault tests start real processes against a real PostgreSQL server; CI always names one. */
export const postgresServerUrl = process.env.TEST_DATABASE_URL || undefined;
export const NEEDS_POSTGRES = "skipped: TEST_DATABASE_URL is not set, and this fault test needs a PostgreSQL server";

export interface FaultDatabase {
  url: string;
  /** The test's own connection, for seeding and for reading what the service did. */
  db: Db;
  deps: { db: Db; clock: typeof systemClock };
  close(): Promise<void>;
}

/** A fresh, migrated database on the TEST_DATABASE_URL server, dropped again by `close`. */
export async function freshPostgresDatabase(): Promise<FaultDatabase> {
  const test = await createTestDatabase();
  if (!test.url) throw new Error("TEST_DATABASE_URL is not set");
  await migrateDatabase(test.database);
  const db = test.database.db;
  return {
    url: test.url,
    db,
    deps: { db, clock: systemClock },
    async close() {
      await test.database.close();
      await test.drop();
    },
  };
}

/** A company with one user of each role plus `extra` plain users, all signing in with FACTORY_PASSWORD. */
export async function seedCompany(deps: FaultDatabase["deps"], extra = 0): Promise<{ company: SeedCompany; admin: SeedUser; users: SeedUser[] }> {
  const { company, users } = await createCompanyWithUsers(deps);
  const more: SeedUser[] = [];
  for (let i = 0; i < extra; i++) more.push(await createUser(deps, company, { role: "user" }));
  return { company, admin: users.administrator, users: [users.user, ...more] };
}

export async function signInTo(service: ServiceProcess, email: string): Promise<ServiceClient> {
  const client = service.client();
  const reply = await client.post("/api/v1/auth/login", { email, password: FACTORY_PASSWORD });
  if (reply.status !== 200) throw new Error(`sign-in of ${email} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return client;
}

/** The outbox row id the service put in the X-Latchkey-Email-Id header of a delivered message. */
export function emailIdOf(message: CapturedMessage): string {
  return String(message.headers.get("x-latchkey-email-id") ?? "");
}

/** How many times the SMTP server received each outbox row. */
export function deliveriesById(smtp: TestSmtpServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of smtp.messages) counts.set(emailIdOf(message), (counts.get(emailIdOf(message)) ?? 0) + 1);
  return counts;
}

export function resetTokenIn(message: CapturedMessage): string | null {
  const link = linksInText(message.text).find((url) => url.includes("/reset-password#token="));
  return link ? new URL(link).hash.replace(/^#token=/, "") : null;
}

export async function emailRowsOf(db: Db, userId: string) {
  return db.select().from(emails).where(eq(emails.userId, userId));
}

export async function linkRowsOf(db: Db, userId: string) {
  return db.select().from(linkTokens).where(eq(linkTokens.userId, userId));
}

/** The service's answer to "reset password" for another user, with the reset id it issued. */
export async function triggerReset(client: ServiceClient, userId: string) {
  const reply = await client.post<{ reset: { id: string } }>(`/api/v1/users/${userId}/password-reset`);
  if (reply.status !== 202) throw new Error(`trigger reset answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply;
}

/** The delivery state the administrator sees on the user's page for one reset. */
export async function emailStatusInHistory(client: ServiceClient, userId: string, resetId: string): Promise<string | null> {
  const reply = await client.get<{ resets: Array<{ id: string; emailStatus: string | null }> }>(`/api/v1/users/${userId}/password-resets`);
  if (reply.status !== 200) throw new Error(`history answered ${reply.status}`);
  return reply.body.resets.find((reset) => reset.id === resetId)?.emailStatus ?? null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}
