import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emails, linkTokens, managementGrants } from "../../src/db/schema.ts";
import { formatExpiry } from "../../src/email/templates/layout.ts";
import { countEmails, createCompany, createCompanyWithUsers, createUser, FACTORY_PASSWORD, signIn, snapshotCompany } from "../support/factories.ts";
import {
  auditRowsOf,
  linkedCompanyWithGrantedManager,
  linksOf,
  NEW_PASSWORD,
  nextResetEmail,
  RESET_LINK_PREFIX,
  sha256,
  submitNewPassword,
} from "../support/password-reset.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const DAY = 24 * 3_600_000;

describe("an administrator or manager triggers a password reset for another user", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const trigger = (browser: Awaited<ReturnType<typeof signIn>>, userId: string) => browser.post(`/api/v1/users/${userId}/password-reset`);

  it("emails the user a link and answers 202 with the reset's id and expiry, never the link or its token", async () => {
    const { users } = await createCompanyWithUsers(t.deps, { name: "Acme" });
    const admin = await signIn(t, users.administrator);
    const reply = await trigger(admin, users.user.id);
    expect(reply.status).toBe(202);
    expect(Object.keys(reply.body)).toEqual(["reset"]);
    expect(Object.keys(reply.body.reset).sort()).toEqual(["expiresAt", "id"]);
    expect(reply.body.reset.expiresAt).toBe(new Date(t.clock.now().getTime() + DAY).toISOString());

    const { token, link } = await nextResetEmail(t, users.user.email);
    expect(link.startsWith(RESET_LINK_PREFIX)).toBe(true);
    const raw = JSON.stringify(reply.body) + JSON.stringify(reply.headers);
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(sha256(token));
    expect(raw).not.toContain("reset-password");
    // The id answered is the link the email carries.
    const [row] = await t.deps.db.select().from(linkTokens).where(eq(linkTokens.tokenHash, sha256(token)));
    expect(row?.id).toBe(reply.body.reset.id);
    expect(row?.userId).toBe(users.user.id);
  });

  it("says who asked, when the link expires (with its time zone) and what to do if unexpected, in text and HTML", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps, { name: "Acme Widgets" });
    const admin = await createUser(t.deps, company, { role: "administrator", name: "Jane Smith" });
    const reply = await trigger(await signIn(t, admin), users.manager.id);
    expect(reply.status).toBe(202);
    const { message, link } = await nextResetEmail(t, users.manager.email);
    const expiry = formatExpiry(new Date(reply.body.reset.expiresAt));
    expect(expiry).toMatch(/UTC$/);
    expect(message.subject).toBe("Jane Smith asked to reset your Latchkey password");
    for (const body of [message.text, message.html]) {
      expect(body).toContain("Jane Smith, administrator of Acme Widgets, asked to reset your password.");
      expect(body).toContain(expiry);
      expect(body).toContain("If you did not expect this, check with Jane Smith or another administrator of Acme Widgets");
      expect(body).toContain(link);
    }
  });

  it("lets a manager reset an administrator's password, and the email calls them a manager", async () => {
    const { users } = await createCompanyWithUsers(t.deps, { name: "Globex" });
    const reply = await trigger(await signIn(t, users.manager), users.administrator.id);
    expect(reply.status).toBe(202);
    const { message } = await nextResetEmail(t, users.administrator.email);
    expect(message.text).toContain(`${users.manager.name}, manager of Globex, asked to reset your password.`);
    // Named as what they are: not "another administrator", which would call the manager one.
    expect(message.text).toContain(`check with ${users.manager.name} or an administrator of Globex`);
    expect(message.text).not.toContain("another administrator");
    // The audit log's row keeps the role that acted, which the dashboard words as "by a manager".
    const logged = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "password_reset.requested"), eq(auditEvents.targetUserId, users.administrator.id)));
    expect(logged.map((row) => row.details)).toEqual([expect.objectContaining({ via: "administrator", actorRole: "manager" })]);
  });

  it("words the email for what is true when the user never set a password: a link to choose their first one, with no sessions to end", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps, { name: "Initrode" });
    const invited = await createUser(t.deps, company, { name: "Ivy Invited", withPassword: false });
    const reply = await trigger(await signIn(t, users.administrator), invited.id);
    expect(reply.status).toBe(202);
    const { message } = await nextResetEmail(t, invited.email);
    expect(message.subject).toBe(`${users.administrator.name} asked to send you a link to set your Latchkey password`);
    for (const body of [message.text, message.html]) {
      expect(body).toContain(`${users.administrator.name}, administrator of Initrode, asked to send you a link to choose your password.`);
      expect(body).toContain("Your account has no password yet");
      expect(body).not.toContain("reset your password");
      expect(body).not.toContain("every session of your account is signed out");
    }
  });

  it("refuses a user and a read-only user with 403, and sends nothing", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    for (const role of ["user", "read_only"] as const) {
      const before = await snapshotCompany(t.deps, company.id);
      const reply = await trigger(await signIn(t, users[role]), target.id);
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("FORBIDDEN");
      const after = await snapshotCompany(t.deps, company.id);
      expect(after.links).toEqual(before.links);
      expect(after.emailCount).toBe(before.emailCount);
    }
  });

  it("refuses the actor's own account with CANNOT_ACT_ON_SELF (account settings are for that)", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const emailsBefore = await countEmails(t.deps);
    const reply = await trigger(await signIn(t, users.administrator), users.administrator.id);
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("CANNOT_ACT_ON_SELF");
    expect(await countEmails(t.deps)).toBe(emailsBefore);
    expect(await linksOf(t, users.administrator.id)).toEqual([]);
  });

  it("refuses a deactivated user with 409 USER_DEACTIVATED, and sends nothing", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const gone = await createUser(t.deps, company, { status: "deactivated" });
    const emailsBefore = await countEmails(t.deps);
    const reply = await trigger(await signIn(t, users.manager), gone.id);
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe("USER_DEACTIVATED");
    expect(await countEmails(t.deps)).toBe(emailsBefore);
    expect(await linksOf(t, gone.id)).toEqual([]);
  });

  it("answers 404 for a user of another company exactly as for a missing one, whatever the actor's role, and sends nothing", async () => {
    const a = await createCompanyWithUsers(t.deps, { name: "Company A" });
    const b = await createCompanyWithUsers(t.deps, { name: "Company B" });
    const missing = await trigger(await signIn(t, a.users.manager), randomUUID());
    expect(missing.status).toBe(404);
    for (const role of ["administrator", "manager", "read_only"] as const) {
      const browser = await signIn(t, a.users[role]);
      for (const target of [b.users.user, b.users.administrator]) {
        const before = await snapshotCompany(t.deps, b.company.id);
        const reply = await trigger(browser, target.id);
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual(missing.body);
        const after = await snapshotCompany(t.deps, b.company.id);
        expect(after.links).toEqual(before.links);
        expect(after.emailCount).toBe(before.emailCount);
      }
    }
    expect((await auditRowsOf(t, "password_reset.requested")).filter((row) => row.targetCompanyId === b.company.id)).toEqual([]);
  });

  it("resets a restored user who has no password yet, who can then choose one and sign in", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const restored = await createUser(t.deps, company, { withPassword: false });
    expect((await trigger(await signIn(t, users.administrator), restored.id)).status).toBe(202);
    const { token } = await nextResetEmail(t, restored.email);
    expect((await submitNewPassword(t.client(), token)).status).toBe(200);
    expect((await t.client().post("/api/v1/auth/login", { email: restored.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it("records who asked, for whom, from which company and client address, in one audit row", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator, "203.0.113.7");
    const reply = await trigger(admin, users.read_only.id);
    expect(reply.status).toBe(202);
    const row = (await auditRowsOf(t, "password_reset.requested")).find((r) => r.targetUserId === users.read_only.id);
    expect(row).toMatchObject({
      outcome: "success",
      actorUserId: users.administrator.id,
      actorCompanyId: company.id,
      actingCompanyId: company.id,
      targetUserId: users.read_only.id,
      targetCompanyId: company.id,
      grantId: null,
      clientAddress: "203.0.113.7",
      at: t.clock.now(),
    });
    expect(row?.details).toMatchObject({ linkId: reply.body.reset.id, via: "administrator" });
  });

  it("limits resets per target: the sixth in an hour answers 429 to anyone, sends nothing, and is audited", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const admin = await signIn(t, users.administrator);
    for (let i = 0; i < 5; i++) expect((await trigger(admin, target.id)).status).toBe(202);
    const emailsBefore = await countEmails(t.deps);
    for (const browser of [admin, await signIn(t, users.manager)]) {
      const reply = await trigger(browser, target.id);
      expect(reply.status).toBe(429);
      expect(reply.body.error.code).toBe("RATE_LIMITED");
    }
    expect(await countEmails(t.deps)).toBe(emailsBefore);
    expect(await linksOf(t, target.id)).toHaveLength(5);
    // Only the refusal that crossed the limit is audited (decision 0026); the rate_limits row counts the rest.
    const hits = (await auditRowsOf(t, "rate_limit.hit")).filter((row) => row.targetUserId === target.id);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ outcome: "refused", actorUserId: users.administrator.id, actorCompanyId: company.id, targetCompanyId: company.id });
    expect(hits[0]?.details).toMatchObject({ flow: "trigger_reset", limits: ["target"] });
    // The window passes: allowed again.
    t.clock.advance(3_600_000 + 1_000);
    expect((await trigger(admin, target.id)).status).toBe(202);
  });

  it("limits resets per actor: after 60 in an hour the actor gets 429 for any user, another actor does not", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const targets = [];
    for (let i = 0; i < 13; i++) targets.push(await createUser(t.deps, company));
    const manager = await signIn(t, users.manager);
    for (let i = 0; i < 60; i++) {
      const target = targets[Math.floor(i / 5)];
      if (!target) throw new Error("not enough targets");
      expect((await trigger(manager, target.id)).status).toBe(202);
    }
    const fresh = targets[12];
    if (!fresh) throw new Error("not enough targets");
    const refused = await trigger(manager, fresh.id);
    expect(refused.status).toBe(429);
    expect(await linksOf(t, fresh.id)).toEqual([]);
    const hit = (await auditRowsOf(t, "rate_limit.hit")).find((row) => row.targetUserId === fresh.id);
    expect(hit?.details).toMatchObject({ limits: ["actor"] });
    expect((await trigger(await signIn(t, users.administrator), fresh.id)).status).toBe(202);
  });

  it("leaves exactly one live link when several resets of one user are triggered at once", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const admin = await signIn(t, users.administrator);
    const manager = await signIn(t, users.manager);
    const replies = await Promise.all([0, 1, 2, 3, 4].map((i) => trigger(i % 2 ? manager : admin, target.id)));
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const live = (await linksOf(t, target.id)).filter((link) => !link.usedAt && !link.supersededAt && !link.revokedAt);
    expect(live).toHaveLength(1);
  });

  it("does not wait for SMTP: with a server taking 5 s per message, the trigger still answers at once", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    t.smtp.setMode("slow", { slowMs: 5_000 });
    try {
      const started = performance.now();
      const reply = await trigger(admin, users.user.id);
      expect(reply.status).toBe(202);
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      t.smtp.setMode("accept");
    }
  });
});

describe("a team member resets the password of a linked company's user", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("sends the email naming who asked and on behalf of which company, and audits both companies and the grant", async () => {
    const { parent, linked, member, memberBrowser, linkedUser } = await linkedCompanyWithGrantedManager(t);
    const reply = await memberBrowser.post(`/api/v1/users/${linkedUser.id}/password-reset`);
    expect(reply.status).toBe(202);
    const { message, token } = await nextResetEmail(t, linkedUser.email);
    expect(message.text).toContain("Jane Smith (manager at Parent Co) asked, on behalf of Linked Co, to reset your password.");
    expect(message.html).toContain("Jane Smith (manager at Parent Co) asked, on behalf of Linked Co, to reset your password.");

    const [grant] = await t.deps.db.select().from(managementGrants).where(eq(managementGrants.teamMemberId, member.id));
    const [link] = await t.deps.db.select().from(linkTokens).where(eq(linkTokens.tokenHash, sha256(token)));
    expect(link).toMatchObject({ userId: linkedUser.id, requestedByUserId: member.id, requestedByCompanyId: parent.id, grantId: grant?.id });
    const row = (await auditRowsOf(t, "password_reset.requested")).find((r) => r.targetUserId === linkedUser.id);
    expect(row).toMatchObject({
      actorUserId: member.id,
      actorCompanyId: parent.id,
      actingCompanyId: linked.id,
      targetCompanyId: linked.id,
      grantId: grant?.id,
    });
    expect(row?.details).toMatchObject({ via: "team_member" });
  });

  it("refuses a team member whose grant was revoked on their very next request, and the link they sent dies", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Holding", linked: "Subsidiary" });
    const parentAdmin = await createUser(t.deps, setup.parent, { role: "administrator" });
    const first = await setup.memberBrowser.post(`/api/v1/users/${setup.linkedUser.id}/password-reset`);
    expect(first.status).toBe(202);
    const { token } = await nextResetEmail(t, setup.linkedUser.email);

    const revoked = await (await signIn(t, parentAdmin)).delete(`/api/v1/users/${setup.member.id}/managed-companies/${setup.linked.id}`);
    expect(revoked.status).toBe(200);

    const emailsBefore = await countEmails(t.deps);
    const again = await setup.memberBrowser.post(`/api/v1/users/${setup.linkedUser.id}/password-reset`);
    expect(again.status).toBe(404);
    expect(await countEmails(t.deps)).toBe(emailsBefore);
    const inspected = await t.client().post("/api/v1/links/inspect", { token });
    expect(inspected.body).toMatchObject({ valid: false, reason: "revoked" });
    expect((await submitNewPassword(t.client(), token)).status).toBe(410);
  });

  it("does not let a manager of the parent without a grant reach the linked company's users (404, nothing sent)", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Agency", linked: "Client" });
    const other = await createUser(t.deps, setup.parent, { role: "manager" });
    const browser = await signIn(t, other);
    expect((await browser.post("/api/v1/session/switch", { companyId: setup.linked.id })).status).toBe(404);
    const before = await snapshotCompany(t.deps, setup.linked.id);
    const reply = await browser.post(`/api/v1/users/${setup.linkedUser.id}/password-reset`);
    expect(reply.status).toBe(404);
    expect(await snapshotCompany(t.deps, setup.linked.id)).toEqual(before);
  });

  it("does not let a switched-in team member reach the users of another linked company or of an unrelated one", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Group", linked: "Member One" });
    const sibling = await createCompany(t.deps, { name: "Member Two", parentId: setup.parent.id });
    const siblingUser = await createUser(t.deps, sibling);
    const stranger = await createUser(t.deps, await createCompany(t.deps, { name: "Stranger Inc" }));
    for (const target of [siblingUser, stranger]) {
      const reply = await setup.memberBrowser.post(`/api/v1/users/${target.id}/password-reset`);
      expect(reply.status).toBe(404);
      const queued = await t.deps.db.select().from(emails).where(and(eq(emails.userId, target.id), eq(emails.kind, "password_reset")));
      expect(queued).toEqual([]);
    }
    // The factory password still signs the untouched users in.
    expect((await t.client().post("/api/v1/auth/login", { email: stranger.email, password: FACTORY_PASSWORD })).status).toBe(200);
  });
});
