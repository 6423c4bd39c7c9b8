import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, companies, rateLimits, sessions, userLogins } from "../../src/db/schema.ts";
import { COMPANY_LOGIN_PRECISION_MS, LOGIN_LIMITS } from "../../src/features/auth/login.ts";
import { createCompany, createCompanyWithUsers, createUser, FACTORY_PASSWORD } from "../support/factories.ts";
import { sha256 } from "../support/password-reset.ts";
import { queryRows } from "../../src/db/client.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const WRONG = "definitely not the password";

describe("sign-in: what it writes, and its limits", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const auditFrom = (clientAddress: string) => t.deps.db.select().from(auditEvents).where(eq(auditEvents.clientAddress, clientAddress));
  const lastLoginOf = async (userId: string) => (await t.deps.db.select().from(userLogins).where(eq(userLogins.userId, userId)))[0]?.lastLoginAt.getTime() ?? null;
  const counter = async (key: string) => (await t.deps.db.select().from(rateLimits).where(eq(rateLimits.key, key)))[0]?.count ?? null;

  it("opens a session stored only as the digest of its cookie, notes the login, and audits it", async () => {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    const browser = t.client("10.91.0.1");
    const reply = await browser.post("/api/v1/auth/login", { email: members.manager.email.toUpperCase(), password: FACTORY_PASSWORD }, { "user-agent": "Login Test Agent" });
    expect(reply.status).toBe(200);
    const cookie = /latchkey_session=([^;]+)/u.exec(String(reply.headers["set-cookie"]))?.[1];
    if (!cookie) throw new Error("no session cookie");

    const [session] = await t.deps.db.select().from(sessions).where(eq(sessions.userId, members.manager.id));
    expect(session).toMatchObject({ tokenHash: sha256(decodeURIComponent(cookie)), actingCompanyId: company.id, clientAddress: "10.91.0.1", userAgent: "Login Test Agent", revokedAt: null });
    expect(session?.expiresAt.getTime()).toBe(t.clock.now().getTime() + t.deps.config.sessionTtlMs);
    expect(await lastLoginOf(members.manager.id)).toBe(t.clock.now().getTime());
    expect((await browser.get("/api/v1/auth/me")).body.user.email).toBe(members.manager.email);

    const audit = await auditFrom("10.91.0.1");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "login.succeeded", outcome: "success", actorUserId: members.manager.id, actorCompanyId: company.id, targetUserId: members.manager.id, targetCompanyId: company.id });
  });

  it("notes the company's last sign-in, moving it at most once a minute", async () => {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    const companyLogin = async () => (await t.deps.db.select({ at: companies.lastLoginAt }).from(companies).where(eq(companies.id, company.id)))[0]?.at?.getTime();
    const login = async (email: string) => expect((await t.client("10.91.0.3").post("/api/v1/auth/login", { email, password: FACTORY_PASSWORD })).status).toBe(200);
    expect(await companyLogin()).toBeUndefined();

    const first = t.clock.now().getTime();
    await login(members.manager.email);
    expect(await companyLogin()).toBe(first);
    // Within the minute the company's row is left alone; the user's own last sign-in still moves.
    t.clock.advance(COMPANY_LOGIN_PRECISION_MS - 1);
    await login(members.user.email);
    expect(await companyLogin()).toBe(first);
    expect(await lastLoginOf(members.user.id)).toBe(t.clock.now().getTime());
    t.clock.advance(1);
    await login(members.user.email);
    expect(await companyLogin()).toBe(t.clock.now().getTime());
  });

  it("writes no new version of the user's row: the users pages stay all-visible for index-only scans", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const versionOf = async () => (await queryRows<{ xmin: string }>(t.deps.db, sql`select xmin::text from users where id = ${members.user.id}`))[0]?.xmin;
    const before = await versionOf();
    expect((await t.client("10.91.0.4").post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
    expect(await lastLoginOf(members.user.id)).toBe(t.clock.now().getTime());
    expect(await versionOf()).toBe(before);
    // Its own row is updated in place (HOT) when the next sign-in comes: room is kept on each page.
    const [table] = await queryRows<{ reloptions: string[] | null }>(t.deps.db, sql`select reloptions from pg_class where oid = 'user_logins'::regclass`);
    expect(table?.reloptions).toContain("fillfactor=90");
  });

  it("audits a failure with the account it was aimed at, or none for an unknown address, and opens no session", async () => {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    expect((await t.client("10.91.0.2").post("/api/v1/auth/login", { email: members.user.email, password: WRONG })).status).toBe(401);
    expect((await t.client("10.91.0.2").post("/api/v1/auth/login", { email: "nobody.at.all@example.test", password: WRONG })).status).toBe(401);
    const audit = await auditFrom("10.91.0.2");
    expect(audit.map((row) => [row.action, row.outcome, row.targetUserId, row.targetCompanyId])).toEqual([
      ["login.failed", "failure", members.user.id, company.id],
      ["login.failed", "failure", null, null],
    ]);
    expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, members.user.id))).toEqual([]);
  });

  it("signs in eight concurrent logins of one account from one client, none failing on the others' locks", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const client = t.client("10.91.0.8");
    await client.csrfToken();
    const replies = await Promise.all(Array.from({ length: 8 }, () => client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })));
    expect(replies.filter((r) => r.status !== 200).map((r) => JSON.stringify(r.body))).toEqual([]);
    expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, members.user.id))).toHaveLength(8);
  });

  it("refuses deactivated users and users of a deleted company like a wrong password", async () => {
    const company = await createCompany(t.deps);
    const gone = await createUser(t.deps, company, { status: "deactivated" });
    const deletedCompany = await createCompany(t.deps);
    const orphan = await createUser(t.deps, deletedCompany);
    await t.deps.db.update(companies).set({ deletedAt: t.clock.now() }).where(eq(companies.id, deletedCompany.id));
    const wrong = await t.client("10.91.0.3").post("/api/v1/auth/login", { email: orphan.email, password: WRONG });
    for (const user of [gone, orphan]) {
      const reply = await t.client("10.91.0.3").post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(wrong.body);
    }
  });

  it(`allows ${LOGIN_LIMITS.accountClient.limit} failures for one account from one client, then 429 — even with the right password — while other clients still get in`, async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const client = t.client("10.91.0.4");
    for (let i = 0; i < LOGIN_LIMITS.accountClient.limit; i++) expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: WRONG })).status).toBe(401);
    const limited = await client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(await t.deps.db.select().from(sessions).where(eq(sessions.userId, members.user.id))).toEqual([]);
    expect((await auditFrom("10.91.0.4")).filter((row) => row.action === "rate_limit.hit")).toHaveLength(1);
    expect((await t.client("10.91.0.5").post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);

    // The window passes: the same client may try again.
    t.clock.advance(LOGIN_LIMITS.accountClient.windowMs + 1_000);
    expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
  });

  it("forgets an account's failures on success and gives the client's daily count back", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const client = t.client("10.91.0.6");
    const accountKey = `login:account-client:${members.user.email.toLowerCase()}:10.91.0.6`;
    const clientKey = "login:client-daily:10.91.0.6";
    for (let i = 0; i < 3; i++) await client.post("/api/v1/auth/login", { email: members.user.email, password: WRONG });
    expect([await counter(accountKey), await counter(clientKey)]).toEqual([3, 3]);
    expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
    expect([await counter(accountKey), await counter(clientKey)]).toEqual([0, 3]);
    // A fresh allowance, as if the account had never failed: ten more failures, then the limit.
    for (let i = 0; i < LOGIN_LIMITS.accountClient.limit; i++) expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: WRONG })).status).toBe(401);
    expect([await counter(accountKey), await counter(clientKey)]).toEqual([LOGIN_LIMITS.accountClient.limit, 3 + LOGIN_LIMITS.accountClient.limit]);
    expect((await client.post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(429);
  });

  it(`caps one client at ${LOGIN_LIMITS.clientDaily.limit} failed attempts a day, whatever the accounts`, async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    // Counted as if the client had already failed 300 times today (each real attempt costs a hash).
    await t.deps.db.insert(rateLimits).values({ key: "login:client-daily:10.91.0.7", windowStart: t.clock.now(), count: LOGIN_LIMITS.clientDaily.limit - 1 });
    expect((await t.client("10.91.0.7").post("/api/v1/auth/login", { email: "someone.else@example.test", password: WRONG })).status).toBe(401);
    const capped = await t.client("10.91.0.7").post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
    expect(capped.status).toBe(429);
    expect(await lastLoginOf(user.id)).toBeNull();
    t.clock.advance(LOGIN_LIMITS.clientDaily.windowMs + 1_000);
    expect((await t.client("10.91.0.7").post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD })).status).toBe(200);
  });

  it("keeps its counters in an unlogged table, so a sign-in's first statement commits without a disk flush", async () => {
    const [table] = await queryRows<{ relpersistence: string }>(t.deps.db, sql`select relpersistence from pg_class where oid = 'rate_limits'::regclass`);
    expect(table?.relpersistence).toBe("u");
  });
});
