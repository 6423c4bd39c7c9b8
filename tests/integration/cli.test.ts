import { and, eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { auditEvents, companies, emails, users } from "../../src/db/schema.ts";
import type { Deps } from "../../src/deps.ts";
import { DEMO_ADMIN_EMAIL, DEMO_PASSWORD } from "../../src/features/companies/create-demo-company.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";

const PASSWORD = "correct horse battery staple 9";

/** Runs a command the way a terminal would, capturing what it prints. */
async function cli(deps: Deps, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { deps, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { code, out: out.join("\n"), err };
}

describe("operator CLI", () => {
  let t: TestApp;
  beforeAll(async () => {
    // No SMTP and no worker: the development set-up, where the invitation waits in the outbox as the CLI left it.
    t = await startTestApp({ worker: false, smtp: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const countCompanies = async () => (await t.deps.db.select({ n: sql<number>`count(*)::int` }).from(companies))[0]?.n;
  const userByEmail = async (email: string) => (await t.deps.db.select().from(users).where(eq(users.emailNormalized, email)))[0];

  it("create-company creates the company and a password-less administrator, and queues the invitation in the same step", async () => {
    const run = await cli(t.deps, "create-company", "--name", "Initech", "--admin-email", "Bill@Initech.test", "--admin-name", "Bill Lumbergh");
    expect(run.code).toBe(0);
    const admin = await userByEmail("bill@initech.test");
    expect(admin).toMatchObject({ name: "Bill Lumbergh", email: "Bill@Initech.test", role: "administrator", status: "active", passwordHash: null });
    const queued = await t.deps.db.select().from(emails).where(eq(emails.userId, admin?.id ?? ""));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ kind: "invitation", toAddress: "Bill@Initech.test", status: "queued" });
    expect(queued[0]?.text).toContain(`${TEST_PUBLIC_URL}/set-password#token=`);
    // No SMTP_URL: the operator is shown the link, and told why.
    expect(run.out).toContain("SMTP_URL is not set");
    const link = /(https:\/\/\S+#token=(\S+))/.exec(run.out);
    expect(link?.[1]).toBeDefined();
    expect(queued[0]?.text).toContain(link?.[1]);

    // The link really works: the administrator chooses a password and signs in.
    const browser = t.client();
    const set = await browser.post("/api/v1/links/set-password", { token: link?.[2], password: PASSWORD, passwordConfirmation: PASSWORD });
    expect(set.status).toBe(200);
    expect((await browser.post("/api/v1/auth/login", { email: "bill@initech.test", password: PASSWORD })).status).toBe(200);
    expect((await browser.get("/api/v1/auth/me")).body.user).toMatchObject({ role: "administrator", companyName: "Initech" });
  });

  it("create-company with SMTP_URL set never prints the link, and the server's worker delivers the invitation by SMTP", async () => {
    const server = await startTestApp();
    try {
      const run = await cli(server.deps, "create-company", "--name", "Hooli", "--admin-email", "gavin@hooli.test");
      expect(run.code).toBe(0);
      expect(run.out).not.toContain("#token=");
      expect(run.out).toContain("SMTP_URL");
      const message = await server.smtp.waitFor({ to: "gavin@hooli.test", subject: /invited to Hooli/ });
      expect(server.smtp.linksIn(message).some((link) => link.startsWith(`${TEST_PUBLIC_URL}/set-password#token=`))).toBe(true);
      const [admin] = await server.deps.db.select().from(users).where(eq(users.emailNormalized, "gavin@hooli.test"));
      expect(admin).toMatchObject({ name: "gavin", role: "administrator", passwordHash: null });
    } finally {
      await server.close();
    }
  });

  it("create-company refuses an address that already has an account, and creates nothing", async () => {
    const before = await countCompanies();
    const run = await cli(t.deps, "create-company", "--name", "Initech Again", "--admin-email", "BILL@initech.test");
    expect(run).toMatchObject({ code: 1, out: "", err: ["An account with this email address already exists."] });
    expect(await countCompanies()).toBe(before);
  });

  it("set-role makes a user an administrator and unmakes them, audited with no actor and via cli", async () => {
    const admin = await userByEmail("bill@initech.test");
    await t.deps.db.insert(users).values({ companyId: admin?.companyId ?? "", email: "milton@initech.test", emailNormalized: "milton@initech.test", name: "Milton", nameSort: "milton" });

    const up = await cli(t.deps, "set-role", "--email", "Milton@Initech.test", "--role", "administrator");
    expect(up.code).toBe(0);
    expect(up.out).toContain("user → administrator");
    expect((await userByEmail("milton@initech.test"))?.role).toBe("administrator");

    const down = await cli(t.deps, "set-role", "--email", "milton@initech.test", "--role", "read_only");
    expect(down.code).toBe(0);
    expect((await userByEmail("milton@initech.test"))?.role).toBe("read_only");

    const audit = await t.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "user.role_changed"), eq(auditEvents.targetUserId, (await userByEmail("milton@initech.test"))?.id ?? "")));
    expect(audit.map((a) => [a.actorUserId, a.details])).toEqual([
      [null, { via: "cli", from: "user", to: "administrator" }],
      [null, { via: "cli", from: "administrator", to: "read_only" }],
    ]);
  });

  it("set-role refuses to remove a company's last active administrator, and changes nothing", async () => {
    const audited = async () => (await t.deps.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(eq(auditEvents.action, "user.role_changed")))[0]?.n;
    const before = await audited();
    const run = await cli(t.deps, "set-role", "--email", "bill@initech.test", "--role", "manager");
    expect(run).toMatchObject({ code: 1, out: "", err: ["A company must keep at least one active administrator."] });
    expect((await userByEmail("bill@initech.test"))?.role).toBe("administrator");
    expect(await audited()).toBe(before);
  });

  it("set-role lets the last administrator go once another active one exists, but not to a deactivated one", async () => {
    await t.deps.db.update(users).set({ role: "administrator", status: "deactivated" }).where(eq(users.emailNormalized, "milton@initech.test"));
    expect((await cli(t.deps, "set-role", "--email", "bill@initech.test", "--role", "manager")).code).toBe(1);
    await t.deps.db.update(users).set({ status: "active" }).where(eq(users.emailNormalized, "milton@initech.test"));
    expect((await cli(t.deps, "set-role", "--email", "bill@initech.test", "--role", "manager")).code).toBe(0);
    expect((await userByEmail("bill@initech.test"))?.role).toBe("manager");
  });

  it("set-role says when nothing changes, and refuses an unknown email", async () => {
    expect((await cli(t.deps, "set-role", "--email", "milton@initech.test", "--role", "administrator")).out).toContain("already administrator");
    const unknown = await cli(t.deps, "set-role", "--email", "nobody@initech.test", "--role", "user");
    expect(unknown).toMatchObject({ code: 1, err: ["No user has the email address nobody@initech.test."] });
  });

  it("demo creates Acme Demo with 25 users once, however often it runs, and its administrator can sign in", async () => {
    const first = await cli(t.deps, "demo");
    expect(first.code).toBe(0);
    expect(first.out).toContain(DEMO_PASSWORD);
    const second = await cli(t.deps, "demo");
    expect(second.code).toBe(0);
    expect(second.out).toContain("already here (0 users added)");
    const demoCompanies = await t.deps.db.select().from(companies).where(eq(companies.name, "Acme Demo"));
    expect(demoCompanies).toHaveLength(1);
    const demoUsers = await t.deps.db.select({ role: users.role }).from(users).where(like(users.emailNormalized, "%@acme.example"));
    expect(demoUsers).toHaveLength(25);
    expect(new Set(demoUsers.map((u) => u.role))).toEqual(new Set(["administrator", "manager", "user", "read_only"]));
    expect((await t.client().post("/api/v1/auth/login", { email: DEMO_ADMIN_EMAIL, password: DEMO_PASSWORD })).status).toBe(200);
  });

  it("demo is refused when NODE_ENV=production", async () => {
    const production = { ...t.deps, config: { ...t.deps.config, env: "production" as const } };
    const run = await cli(production, "demo");
    expect(run.code).toBe(1);
    expect(run.err[0]).toContain("NODE_ENV=production");
  });

  it("list-companies shows every company with its users, parent and deletion", async () => {
    const run = await cli(t.deps, "list-companies");
    expect(run.code).toBe(0);
    const [header, , ...rows] = run.out.split("\n");
    expect(header).toMatch(/^id\s+name\s+users\s+multi-company\s+parent\s+created\s+deleted$/);
    expect(rows.find((r) => r.includes("Acme Demo"))).toMatch(/Acme Demo\s+25\s+no\s/);
    expect(rows.find((r) => r.includes("Initech"))).toMatch(/Initech\s+2\s+no\s/);
  });

  it("restore-company brings back a deleted company", async () => {
    expect((await cli(t.deps, "create-company", "--name", "Hooli", "--admin-email", "gavin@hooli.test")).code).toBe(0);
    const [hooli] = await t.deps.db.update(companies).set({ deletedAt: t.clock.now() }).where(eq(companies.name, "Hooli")).returning();
    expect((await cli(t.deps, "list-companies")).out.split("\n").find((r) => r.includes("Hooli"))).toMatch(/UTC\s+\S+ \S+ UTC$/);
    const run = await cli(t.deps, "restore-company", "--id", hooli?.id ?? "");
    expect(run.code).toBe(0);
    expect((await t.deps.db.select().from(companies).where(eq(companies.name, "Hooli")))[0]?.deletedAt).toBeNull();
    const again = await cli(t.deps, "restore-company", "--id", hooli?.id ?? "");
    expect(again).toMatchObject({ code: 0, out: expect.stringContaining("not deleted; nothing changed") });
    const unknown = await cli(t.deps, "restore-company", "--id", "00000000-0000-4000-8000-000000000000");
    expect(unknown).toMatchObject({ code: 1, err: ["No company has the id 00000000-0000-4000-8000-000000000000."] });
  });

  it.each([
    [["frobnicate"], /^Unknown command "frobnicate"/],
    [["create-company", "--admin-email", "x@y.test"], /^create-company: --name is required/],
    [["create-company", "--name", "X", "--admin-email", "not-an-email"], /^create-company: --admin-email: Enter a valid email address\.$/],
    [["create-company", "--name", "X", "--admin-email"], /^create-company: --admin-email needs a value/],
    [["create-company", "--name", "X", "--admin-email", "x@y.test", "--colour", "red"], /^create-company: unknown option --colour/],
    [["set-role", "--email", "bill@initech.test", "--role", "owner"], /^set-role: --role: must be one of administrator, manager, user, read_only$/],
    [["set-role", "bill@initech.test"], /^set-role: unexpected argument "bill@initech.test"/],
    [["restore-company", "--id", "42"], /^restore-company: --id: Not a valid id\.$/],
    [["create-company", "--name", "Evil\u202Egnp.exe", "--admin-email", "x@y.test"], /^create-company: --name: .*not allowed in a name\.$/],
    [["create-company", "--name", "X", "--admin-email", "x@y.test", "--admin-name", "Bob\u2028Eve"], /^create-company: --admin-name: .*not allowed in a name\.$/],
    [["create-company", "--name", "X\u0085", "--admin-email", "x@y.test"], /^create-company: --name: .*not allowed in a name\.$/],
  ])("refuses %j with one line and exit code 1, changing nothing", async (argv, message) => {
    const before = await countCompanies();
    const run = await cli(t.deps, ...argv);
    expect(run.code).toBe(1);
    expect(run.out).toBe("");
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(message);
    expect(await countCompanies()).toBe(before);
  });

  it("prints help for the CLI and for each command", async () => {
    const overview = await cli(t.deps, "--help");
    expect(overview.code).toBe(0);
    for (const name of ["migrate", "create-company", "set-role", "list-companies", "restore-company", "demo"]) {
      expect(overview.out).toContain(name);
      const help = await cli(t.deps, name, "--help");
      expect(help.code).toBe(0);
      expect(help.out).toMatch(new RegExp(`^Usage: latchkey ${name}`));
    }
  });
});
