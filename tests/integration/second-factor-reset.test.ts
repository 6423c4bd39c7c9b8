import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { emails, managementGrants, sessions, users } from "../../src/db/schema.ts";
import { createMachineClient, bearerRequest, machineToken } from "../support/api-clients.ts";
import { countEmails, createCompany, createCompanyWithUsers, createUser, signIn, type SeedUser } from "../support/factories.ts";
import { auditRowsOf, linkedCompanyWithGrantedManager } from "../support/password-reset.ts";
import { giveSecondFactors, secondFactorRowsOf } from "../support/second-factors.ts";
import type { TestClient } from "../support/client.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";

describe("an administrator or manager resets another user's second factor", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const reset = (browser: TestClient, userId: string) => browser.post(`/api/v1/users/${userId}/second-factor-reset`);
  const nextEmailTo = (user: SeedUser) => t.smtp.waitFor((m) => m.to.includes(user.email.toLowerCase()) && /two-factor/.test(m.subject));
  const queuedResetEmails = async (userId: string) =>
    t.deps.db.select().from(emails).where(and(eq(emails.userId, userId), eq(emails.kind, "second_factor_reset")));

  it("removes the app, passkeys, recovery codes and half-finished sign-ins, owes an enrolment, and answers what went", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps, { name: "Acme" });
    await giveSecondFactors(t.deps, u.user.id, { totp: true, passkeys: 2, recoveryCodes: 7, usedRecoveryCodes: 3, challenge: true });
    const [before] = await t.deps.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, u.user.id));
    const reply = await reset(await signIn(t, u.administrator), u.user.id);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ reset: { at: t.clock.now().toISOString(), removed: { authenticatorApp: true, passkeys: 2, recoveryCodes: 7 } } });
    const rows = await secondFactorRowsOf(t.deps, u.user.id);
    expect(rows).toMatchObject({ totp: [], passkeys: [], recoveryCodes: [], challenges: [] });
    expect(rows.enrolmentDue).toMatchObject({ reason: "reset", since: t.clock.now() });
    // Never reveals or changes the password.
    const [after] = await t.deps.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, u.user.id));
    expect(after?.passwordHash).toBe(before?.passwordHash);
    expect(JSON.stringify(reply.body)).not.toMatch(/password|secret/i);
  });

  it("ends every session of the user: their old cookie answers 401", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    // Signed in twice before the passkey was added (with it, a sign-in stops at the second step).
    const victim = await signIn(t, u.user);
    const second = await signIn(t, u.user);
    await giveSecondFactors(t.deps, u.user.id, { passkeys: 1 });
    expect((await victim.get("/api/v1/auth/me")).status).toBe(200);
    expect((await reset(await signIn(t, u.manager), u.user.id)).status).toBe(200);
    expect((await victim.get("/api/v1/auth/me")).status).toBe(401);
    expect((await second.get("/api/v1/auth/me")).status).toBe(401);
    const live = (await t.deps.db.select().from(sessions).where(eq(sessions.userId, u.user.id))).filter((s) => s.revokedAt === null);
    expect(live).toEqual([]);
  });

  it("emails the user who did it and for which company, in text and HTML, with no secret", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps, { name: "Acme Widgets" });
    const admin = await createUser(t.deps, company, { role: "administrator", name: "Jane Smith" });
    await giveSecondFactors(t.deps, u.manager.id, { totp: true, recoveryCodes: 10 });
    expect((await reset(await signIn(t, admin), u.manager.id)).status).toBe(200);
    const message = await nextEmailTo(u.manager);
    expect(message.subject).toBe("Jane Smith reset the two-factor sign-in of your Latchkey account");
    for (const body of [message.text, message.html]) {
      expect(body).toContain("Jane Smith, administrator of Acme Widgets, reset the two-factor sign-in of your account");
      expect(body).toContain("Your password has not changed.");
      expect(body).toContain("asked to set up a second factor again");
      expect(body).toContain(`${TEST_PUBLIC_URL}/login`);
      expect(body).toContain("If you did not ask for this");
    }
  });

  it("records one audit row: who, for whom, from which company and address, and what was removed", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    await giveSecondFactors(t.deps, u.read_only.id, { totp: true, passkeys: 1 });
    expect((await reset(await signIn(t, u.administrator, "203.0.113.9"), u.read_only.id)).status).toBe(200);
    const rows = (await auditRowsOf(t, "second_factor.reset")).filter((row) => row.targetUserId === u.read_only.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: "success",
      actorUserId: u.administrator.id,
      actorCompanyId: company.id,
      actingCompanyId: company.id,
      targetCompanyId: company.id,
      grantId: null,
      clientAddress: "203.0.113.9",
    });
    expect(rows[0]?.details).toMatchObject({ via: "administrator", removed: { authenticatorApp: true, passkeys: 1, recoveryCodes: 0 } });
  });

  it("refuses a user and a read-only user with 403, and removes and sends nothing", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    await giveSecondFactors(t.deps, target.id, { totp: true });
    for (const role of ["user", "read_only"] as const) {
      const emailsBefore = await countEmails(t.deps);
      const reply = await reset(await signIn(t, u[role]), target.id);
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("FORBIDDEN");
      expect(await countEmails(t.deps)).toBe(emailsBefore);
    }
    expect((await secondFactorRowsOf(t.deps, target.id)).totp).toHaveLength(1);
  });

  it("refuses the actor's own account, a deactivated user, a user with nothing to reset, and a malformed id", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, u.administrator);
    await giveSecondFactors(t.deps, u.administrator.id, { totp: true });
    const self = await reset(admin, u.administrator.id);
    expect([self.status, self.body.error.code]).toEqual([403, "CANNOT_ACT_ON_SELF"]);
    const gone = await createUser(t.deps, company, { status: "deactivated" });
    await giveSecondFactors(t.deps, gone.id, { totp: true });
    const deactivated = await reset(admin, gone.id);
    expect([deactivated.status, deactivated.body.error.code]).toEqual([409, "USER_DEACTIVATED"]);
    const none = await reset(admin, u.user.id);
    expect([none.status, none.body.error.code]).toEqual([409, "NOTHING_TO_RESET"]);
    expect((await reset(admin, "not-a-uuid")).status).toBe(400);
    expect(await queuedResetEmails(u.user.id)).toEqual([]);
    expect((await secondFactorRowsOf(t.deps, u.user.id)).enrolmentDue).toBeNull();
  });

  it("resets an authenticator app still being set up (not yet a factor)", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    await giveSecondFactors(t.deps, u.user.id, { totp: "pending" });
    const admin = await signIn(t, u.administrator);
    const page = await admin.get(`/api/v1/users/${u.user.id}`);
    expect(page.body.secondFactors).toMatchObject({ authenticatorApp: false, authenticatorAppPending: true, hasSecondFactor: false });
    const reply = await reset(admin, u.user.id);
    expect(reply.status).toBe(200);
    expect(reply.body.reset.removed).toEqual({ authenticatorApp: false, passkeys: 0, recoveryCodes: 0 });
  });

  it("answers 404 for a user of another company exactly as for a missing one, and touches nothing there", async () => {
    const a = await createCompanyWithUsers(t.deps, { name: "Company A" });
    const b = await createCompanyWithUsers(t.deps, { name: "Company B" });
    await giveSecondFactors(t.deps, b.users.user.id, { totp: true, passkeys: 1 });
    const missing = await reset(await signIn(t, a.users.manager), randomUUID());
    expect(missing.status).toBe(404);
    for (const role of ["administrator", "manager", "read_only"] as const) {
      const browser = await signIn(t, a.users[role]);
      const reply = await reset(browser, b.users.user.id);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(missing.body);
      const history = await browser.get(`/api/v1/users/${b.users.user.id}/second-factor-resets`);
      expect(history.status).toBe(404);
    }
    const rows = await secondFactorRowsOf(t.deps, b.users.user.id);
    expect(rows.totp).toHaveLength(1);
    expect(rows.passkeys).toHaveLength(1);
    expect(await queuedResetEmails(b.users.user.id)).toEqual([]);
  });

  it("limits resets per target: the fourth in an hour answers 429 to anyone, removes nothing, and is audited once", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const admin = await signIn(t, u.administrator);
    for (let i = 0; i < 3; i++) {
      await giveSecondFactors(t.deps, target.id, { passkeys: 1 });
      expect((await reset(admin, target.id)).status).toBe(200);
    }
    await giveSecondFactors(t.deps, target.id, { passkeys: 1 });
    for (const browser of [admin, await signIn(t, u.manager)]) {
      const reply = await reset(browser, target.id);
      expect([reply.status, reply.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    }
    expect((await secondFactorRowsOf(t.deps, target.id)).passkeys).toHaveLength(1);
    expect(await queuedResetEmails(target.id)).toHaveLength(3);
    const hits = (await auditRowsOf(t, "rate_limit.hit")).filter((row) => row.targetUserId === target.id);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.details).toMatchObject({ flow: "second_factor_reset", limits: ["target"] });
    t.clock.advance(3_600_000 + 1_000);
    expect((await reset(admin, target.id)).status).toBe(200);
  });

  it("limits resets per actor: after 20 in an hour the actor gets 429 for any user, another actor does not", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps);
    const manager = await signIn(t, u.manager);
    for (let i = 0; i < 20; i++) {
      const target = await createUser(t.deps, company);
      await giveSecondFactors(t.deps, target.id, { passkeys: 1 });
      expect((await reset(manager, target.id)).status).toBe(200);
    }
    const fresh = await createUser(t.deps, company);
    await giveSecondFactors(t.deps, fresh.id, { passkeys: 1 });
    expect((await reset(manager, fresh.id)).status).toBe(429);
    expect((await secondFactorRowsOf(t.deps, fresh.id)).passkeys).toHaveLength(1);
    expect((await reset(await signIn(t, u.administrator), fresh.id)).status).toBe(200);
  });

  it("shows the factor summary on the user's page to those who may reset it, never the secret, and null to others", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const others = { user: await signIn(t, u.user), read_only: await signIn(t, u.read_only) };
    await giveSecondFactors(t.deps, u.user.id, { totp: true, passkeys: 3, recoveryCodes: 4, usedRecoveryCodes: 6 });
    const [secret] = (await secondFactorRowsOf(t.deps, u.user.id)).totp;
    const admin = await signIn(t, u.administrator);
    const page = await admin.get(`/api/v1/users/${u.user.id}`);
    expect(page.status).toBe(200);
    expect(page.body.secondFactors).toEqual({
      authenticatorApp: true,
      authenticatorAppPending: false,
      passkeys: 3,
      recoveryCodesRemaining: 4,
      hasSecondFactor: true,
      enrolmentDueSince: null,
    });
    expect(page.body.permissions).toMatchObject({ resetPassword: true, resetSecondFactor: true });
    expect(JSON.stringify(page.body)).not.toContain(secret?.secret ?? "-");
    for (const role of ["user", "read_only"] as const) {
      const other = await others[role].get(`/api/v1/users/${u.user.id}`);
      expect(other.status).toBe(200);
      expect(other.body.secondFactors).toBeNull();
      expect(other.body.permissions.resetSecondFactor).toBe(false);
    }
    expect((await reset(admin, u.user.id)).status).toBe(200);
    const after = await admin.get(`/api/v1/users/${u.user.id}`);
    expect(after.body.secondFactors).toMatchObject({ hasSecondFactor: false, passkeys: 0, enrolmentDueSince: t.clock.now().toISOString() });
  });

  it("lists the user's second-factor resets with who did it and the email's delivery, for those who may reset", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps, { name: "History Inc" });
    await giveSecondFactors(t.deps, u.user.id, { totp: true });
    const manager = await signIn(t, u.manager);
    expect((await reset(manager, u.user.id)).status).toBe(200);
    await nextEmailTo(u.user);
    const history = await manager.get(`/api/v1/users/${u.user.id}/second-factor-resets`);
    expect(history.status).toBe(200);
    expect(history.body.resets).toHaveLength(1);
    expect(history.body.resets[0]).toMatchObject({
      resetBy: { kind: "administrator", name: u.manager.name, role: "manager", companyName: "History Inc" },
      removed: { authenticatorApp: true, passkeys: 0, recoveryCodes: 0 },
    });
    expect(["queued", "sent"]).toContain(history.body.resets[0].emailStatus);
    const refused = await (await signIn(t, u.read_only)).get(`/api/v1/users/${u.user.id}/second-factor-resets`);
    expect(refused.status).toBe(403);
  });
});

describe("a team member resets the second factor of a linked company's user", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("emails naming who did it and on behalf of which company, and audits both companies and the grant", async () => {
    const { parent, linked, member, memberBrowser, linkedUser } = await linkedCompanyWithGrantedManager(t);
    await giveSecondFactors(t.deps, linkedUser.id, { totp: true, recoveryCodes: 10 });
    const reply = await memberBrowser.post(`/api/v1/users/${linkedUser.id}/second-factor-reset`);
    expect(reply.status).toBe(200);
    const message = await t.smtp.waitFor((m) => m.to.includes(linkedUser.email.toLowerCase()) && /two-factor/.test(m.subject));
    expect(message.text).toContain("Jane Smith (manager at Parent Co), on behalf of Linked Co, reset the two-factor sign-in of your account");
    expect(message.text).toContain("contact an administrator of Linked Co");
    const [grant] = await t.deps.db.select().from(managementGrants).where(eq(managementGrants.teamMemberId, member.id));
    const row = (await auditRowsOf(t, "second_factor.reset")).find((r) => r.targetUserId === linkedUser.id);
    expect(row).toMatchObject({ actorUserId: member.id, actorCompanyId: parent.id, actingCompanyId: linked.id, targetCompanyId: linked.id, grantId: grant?.id });
    expect(row?.details).toMatchObject({ via: "team_member" });
    const history = await memberBrowser.get(`/api/v1/users/${linkedUser.id}/second-factor-resets`);
    expect(history.body.resets[0].resetBy).toMatchObject({ kind: "team_member", name: "Jane Smith", companyName: "Parent Co" });
  });

  it("refuses a team member whose grant was revoked, on their very next request (404, nothing removed)", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Holding", linked: "Subsidiary" });
    await giveSecondFactors(t.deps, setup.linkedUser.id, { totp: true });
    const parentAdmin = await createUser(t.deps, setup.parent, { role: "administrator" });
    expect((await (await signIn(t, parentAdmin)).delete(`/api/v1/users/${setup.member.id}/managed-companies/${setup.linked.id}`)).status).toBe(200);
    const emailsBefore = await countEmails(t.deps);
    const reply = await setup.memberBrowser.post(`/api/v1/users/${setup.linkedUser.id}/second-factor-reset`);
    expect(reply.status).toBe(404);
    expect(await countEmails(t.deps)).toBe(emailsBefore);
    expect((await secondFactorRowsOf(t.deps, setup.linkedUser.id)).totp).toHaveLength(1);
  });

  it("does not let a manager of the parent without a grant, or a manager of another company, reach the linked company's users", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency", linked: "Client" });
    await giveSecondFactors(t.deps, setup.linkedUser.id, { passkeys: 1 });
    const noGrant = await signIn(t, await createUser(t.deps, setup.parent, { role: "manager" }));
    const stranger = await signIn(t, await createUser(t.deps, await createCompany(t.deps, { name: "Stranger" }), { role: "manager" }));
    for (const browser of [noGrant, stranger]) {
      const reply = await browser.post(`/api/v1/users/${setup.linkedUser.id}/second-factor-reset`);
      expect(reply.status).toBe(404);
    }
    expect((await secondFactorRowsOf(t.deps, setup.linkedUser.id)).passkeys).toHaveLength(1);
  });
});

describe("an API client resets a second factor", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("needs the users:second-factor scope: users:reset alone is refused with 403", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps, { name: "Northwind" });
    await giveSecondFactors(t.deps, u.user.id, { totp: true });
    const resetOnly = await createMachineClient(t, company.id, ["users:read", "users:reset"], "Reset only");
    const refused = await bearerRequest(t, await machineToken(t, resetOnly, ["users:read", "users:reset"]), "POST", `/api/v1/users/${u.user.id}/second-factor-reset`);
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const summary = await bearerRequest(t, await machineToken(t, resetOnly, ["users:read"]), "GET", `/api/v1/users/${u.user.id}`);
    expect(summary.body.secondFactors).toBeNull();
    expect((await secondFactorRowsOf(t.deps, u.user.id)).totp).toHaveLength(1);

    const allowed = await createMachineClient(t, company.id, ["users:second-factor"], "Helpdesk");
    const token = await machineToken(t, allowed, ["users:second-factor"]);
    const reply = await bearerRequest(t, token, "POST", `/api/v1/users/${u.user.id}/second-factor-reset`);
    expect(reply.status).toBe(200);
    const message = await t.smtp.waitFor((m) => m.to.includes(u.user.email.toLowerCase()) && /two-factor/.test(m.subject));
    expect(message.text).toContain("reset through Northwind's integration Helpdesk");
    const row = (await auditRowsOf(t, "second_factor.reset")).find((r) => r.targetUserId === u.user.id);
    expect(row?.details).toMatchObject({ via: "integration", actorClientName: "Helpdesk" });
  });
});

describe("the operator resets a second factor from the CLI", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ worker: false, smtp: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("reset-second-factor removes the factors, ends sessions, owes an enrolment, emails and audits with no actor", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps, { name: "Initech" });
    await giveSecondFactors(t.deps, u.administrator.id, { totp: true, passkeys: 1, recoveryCodes: 2 });
    const run = await cli("reset-second-factor", "--email", u.administrator.email.toUpperCase());
    expect(run.code).toBe(0);
    expect(run.out).toContain("removed an authenticator app, 1 passkey, 2 recovery codes");
    const rows = await secondFactorRowsOf(t.deps, u.administrator.id);
    expect(rows).toMatchObject({ totp: [], passkeys: [], recoveryCodes: [] });
    expect(rows.enrolmentDue).toMatchObject({ reason: "reset" });
    const [queued] = await t.deps.db.select().from(emails).where(and(eq(emails.userId, u.administrator.id), eq(emails.kind, "second_factor_reset")));
    expect(queued?.text).toContain("The operator of this Latchkey installation reset the two-factor sign-in of your account");
    const row = (await auditRowsOf(t, "second_factor.reset")).find((r) => r.targetUserId === u.administrator.id);
    expect(row).toMatchObject({ actorUserId: null, actorCompanyId: null });
    expect(row?.details).toMatchObject({ via: "operator" });
  });

  it("refuses an unknown address, a user with nothing to reset, and a missing --email", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const unknown = await cli("reset-second-factor", "--email", "nobody@nowhere.test");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("No user has the email address nobody@nowhere.test.");
    const none = await cli("reset-second-factor", "--email", u.user.email);
    expect(none.code).toBe(1);
    expect(none.err).toContain("no second factor");
    const missing = await cli("reset-second-factor");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("--email is required");
  });
});
