import { and, asc, eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, emailChanges, emails } from "../../src/db/schema.ts";
import { formatExpiry } from "../../src/email/templates/layout.ts";
import { normalizeEmail } from "../../src/features/email-address.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, FACTORY_PASSWORD, signIn, type SeedCompany, type SeedUser } from "../support/factories.ts";
import { linkedCompanyWithGrantedManager, NEW_PASSWORD, nextResetEmail, settleOutbox, submitNewPassword } from "../support/password-reset.ts";
import type { CapturedMessage } from "../support/smtp-server.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const HOUR = 3_600_000;
const NOTICE_SUBJECT = "The email address of your Latchkey account was changed";
const CHANGED_SUBJECT = "Your Latchkey password was changed";

let t: TestApp;
let company: SeedCompany;
let manager: SeedUser;
let managerSession: { browser: TestClient; at: number } | null = null;

/** The manager's browser, signed in again when the test clock has moved close to the session's end. */
async function asManager(): Promise<TestClient> {
  const now = t.clock.now().getTime();
  if (!managerSession || now - managerSession.at > 6 * HOUR) managerSession = { browser: await signIn(t, manager), at: now };
  return managerSession.browser;
}

beforeAll(async () => {
  t = await startTestApp();
  company = await createCompany(t.deps, { name: "Initrode" });
  await createUser(t.deps, company, { role: "administrator", name: "Ada Admin" });
  manager = await createUser(t.deps, company, { role: "manager", name: "Mallory Manager" });
});
afterAll(async () => {
  await t?.close();
});

let victims = 0;
async function newVictim(): Promise<SeedUser> {
  victims += 1;
  return createUser(t.deps, company, { role: "user", name: `Victor Victim ${victims}`, email: `victor.${victims}@victims.test` });
}

const changeEmail = async (browser: TestClient | null, userId: string, email: string) =>
  (browser ?? (await asManager())).patch(`/api/v1/users/${userId}`, { email });

/** Every message the SMTP server received for an address after `since` messages. */
const messagesTo = (address: string, since = 0) => t.smtp.messages.slice(since).filter((m) => m.to.includes(address.toLowerCase()));

/** The outbox rows of one kind for a user, to whichever address. */
async function outboxOf(userId: string, kind: string) {
  return t.deps.db.select().from(emails).where(and(eq(emails.userId, userId), eq(emails.kind, kind))).orderBy(asc(emails.createdAt));
}

/** The manager has the victim's password reset, as the manager may, and completes it through the emailed link. */
async function resetThroughEmail(victimId: string, currentAddress: string) {
  const since = t.smtp.messages.length;
  expect((await (await asManager()).post(`/api/v1/users/${victimId}/password-reset`)).status).toBe(202);
  const { token } = await nextResetEmail(t, currentAddress, since);
  expect((await submitNewPassword(t.client(), token)).status).toBe(200);
}

function expectNoticeNamesTheChange(message: CapturedMessage, facts: { actor: string; masked: string; newAddress: string; at: Date }) {
  for (const body of [message.text, message.html]) {
    expect(body).toContain(facts.actor);
    expect(body).toContain(facts.masked);
    expect(body).toContain(formatExpiry(facts.at));
    // The new address itself, or its mailbox or domain, never reaches the old one.
    const [mailbox, domain] = facts.newAddress.split("@");
    expect(body).not.toContain(facts.newAddress);
    expect(body).not.toContain(mailbox);
    expect(body).not.toContain(domain);
  }
  expect(message.text).toContain("If you did not expect this");
}

describe("an address changed by someone else is never changed silently (issue 14, item 3)", () => {
  it("the takeover walk: the victim's own address hears of the new address (masked, who, when) and of the password change", async () => {
    const victim = await newVictim();
    const original = victim.email;
    const attackerInbox = "mallory.inbox@attacker-mail.test";

    t.clock.advance(60_000);
    const changedAt = t.clock.now();
    expect((await changeEmail(null, victim.id, attackerInbox)).status).toBe(200);
    t.clock.advance(60_000);
    await resetThroughEmail(victim.id, attackerInbox);
    t.clock.advance(60_000);
    expect((await changeEmail(null, victim.id, original)).status).toBe(200);
    // The takeover itself still works (decision 0021: the change takes effect at once) ...
    expect((await t.client().post("/api/v1/auth/login", { email: original, password: NEW_PASSWORD })).status).toBe(200);

    // ... but the victim's own mailbox was told both things.
    const notice = await t.smtp.waitFor({ to: original, subject: NOTICE_SUBJECT });
    expectNoticeNamesTheChange(notice, { actor: "Mallory Manager", masked: "m•••@a•••.test", newAddress: attackerInbox, at: changedAt });
    expect(notice.text).toContain("Initrode");
    expect(t.smtp.linksIn(notice)).toEqual([]);
    const changed = await t.smtp.waitFor({ to: original, subject: CHANGED_SUBJECT });
    expect(changed.text).toContain("address the account used until its email address was changed");
    // The change back is told to the address it left, as any change is.
    await t.smtp.waitFor({ to: attackerInbox, subject: NOTICE_SUBJECT });
    await settleOutbox(t);
    expect(messagesTo(original).map((m) => m.subject).sort()).toEqual([NOTICE_SUBJECT, CHANGED_SUBJECT].sort());

    const audit = await t.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "user.updated"), eq(auditEvents.targetUserId, victim.id)))
      .orderBy(asc(auditEvents.id));
    expect(audit.map((row) => row.details)).toEqual([
      { changed: ["email"], previousEmail: original, newEmail: attackerInbox, linksRevoked: true },
      { changed: ["email"], previousEmail: attackerInbox, newEmail: original, linksRevoked: true },
    ]);
    expect(audit.every((row) => row.actorUserId === manager.id)).toBe(true);
  });

  it("names the team member's own company when the change comes from a parent company", async () => {
    const w = await linkedCompanyWithGrantedManager(t, { parent: "Umbrella Agency", linked: "Client Ltd" });
    t.clock.advance(60_000);
    expect((await changeEmail(w.memberBrowser, w.linkedUser.id, "zed@zmail.example")).status).toBe(200);
    const notice = await t.smtp.waitFor({ to: w.linkedUser.email, subject: NOTICE_SUBJECT });
    expect(notice.text).toContain("Jane Smith (Umbrella Agency) changed the email address of your Client Ltd account");
    expectNoticeNamesTheChange(notice, { actor: "Jane Smith", masked: "z•••@z•••.example", newAddress: "zed@zmail.example", at: t.clock.now() });
  });

  it("A → B → C within 24 hours: a reset tells A, B and C, each once, whatever the case the addresses were typed in", async () => {
    const victim = await newVictim();
    const [a, b, c] = [victim.email, "Bee.Second@Bees.test", "cee.third@cees.test"];
    t.clock.advance(HOUR);
    expect((await changeEmail(null, victim.id, b)).status).toBe(200);
    t.clock.advance(10 * HOUR);
    // Back to A in another case, then on to C: A must still get one email, not two.
    expect((await changeEmail(null, victim.id, a.toUpperCase())).status).toBe(200);
    t.clock.advance(HOUR);
    expect((await changeEmail(null, victim.id, c)).status).toBe(200);
    t.clock.advance(HOUR);
    const since = t.smtp.messages.length;
    await resetThroughEmail(victim.id, c);
    for (const address of [a, b, c]) await t.smtp.waitFor((m) => t.smtp.messages.indexOf(m) >= since && m.to.includes(address.toLowerCase()) && m.subject === CHANGED_SUBJECT);
    await settleOutbox(t);
    const told = (await outboxOf(victim.id, "password_changed")).map((row) => normalizeEmail(row.toAddress)).sort();
    expect(told).toEqual([a, b, c].map(normalizeEmail).sort());
    for (const address of [a, b, c]) expect(messagesTo(address, since).filter((m) => m.subject === CHANGED_SUBJECT)).toHaveLength(1);
  });

  it("an address left more than 24 hours ago no longer hears of a password change; one left just under 24 hours ago does", async () => {
    const victim = await newVictim();
    const [a, b, c] = [victim.email, "bob.later@later.test", "cat.latest@latest.test"];
    t.clock.advance(HOUR);
    expect((await changeEmail(null, victim.id, b)).status).toBe(200);
    t.clock.advance(HOUR);
    expect((await changeEmail(null, victim.id, c)).status).toBe(200);
    // A was left 24 h + 1 min ago, B 23 h + 1 min ago.
    t.clock.advance(23 * HOUR + 60_000);
    await resetThroughEmail(victim.id, c);
    await settleOutbox(t);
    expect((await outboxOf(victim.id, "password_changed")).map((row) => row.toAddress).sort()).toEqual([b, c].sort());
    expect(messagesTo(a).filter((m) => m.subject === CHANGED_SUBJECT)).toEqual([]);
  });

  it("a password changed by the user themselves, from account settings, also tells the addresses left in the last 24 hours", async () => {
    const victim = await newVictim();
    const victimBrowser = await signIn(t, victim);
    const moved = "victim.moved@moved.test";
    t.clock.advance(HOUR);
    // Sessions survive an email change (decision 0005): the user is still signed in.
    expect((await changeEmail(null, victim.id, moved)).status).toBe(200);
    t.clock.advance(HOUR);
    const since = t.smtp.messages.length;
    const reply = await victimBrowser.post("/api/v1/account/password", { currentPassword: FACTORY_PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirmation: NEW_PASSWORD });
    expect(reply.status).toBe(200);
    await t.smtp.waitFor((m) => t.smtp.messages.indexOf(m) >= since && m.to.includes(victim.email) && m.subject === CHANGED_SUBJECT);
    await t.smtp.waitFor((m) => t.smtp.messages.indexOf(m) >= since && m.to.includes(moved) && m.subject === CHANGED_SUBJECT);
    await settleOutbox(t);
    expect((await outboxOf(victim.id, "password_changed")).map((row) => row.toAddress).sort()).toEqual([moved, victim.email].sort());
  });

  it("a change of case only (the same login) sends no notice and records no change of address, but the audit row shows both spellings", async () => {
    const victim = await newVictim();
    t.clock.advance(HOUR);
    for (const spelling of [victim.email.toUpperCase(), victim.email.replace("victor", "Victor"), victim.email]) {
      expect((await changeEmail(null, victim.id, spelling)).status).toBe(200);
    }
    expect(await outboxOf(victim.id, "email_changed")).toEqual([]);
    expect(await t.deps.db.select().from(emailChanges).where(eq(emailChanges.userId, victim.id))).toEqual([]);
    const audit = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, "user.updated"), eq(auditEvents.targetUserId, victim.id))).orderBy(asc(auditEvents.id));
    expect(audit[0]?.details).toEqual({ changed: ["email"], previousEmail: victim.email, newEmail: victim.email.toUpperCase() });
    t.clock.advance(HOUR);
    await resetThroughEmail(victim.id, victim.email);
    await settleOutbox(t);
    expect((await outboxOf(victim.id, "password_changed")).map((row) => row.toAddress)).toEqual([victim.email]);
  });

  it("any sequence of changes within 24 hours: one \"password changed\" per distinct address the account had, the notice to each address it left", async () => {
    const pool = ["p.one@pool.test", "P.One@Pool.test", "p.two@pool.test", "p.three@other.test", "P.THREE@OTHER.TEST"];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ address: fc.constantFrom(...pool), minutesLater: fc.integer({ min: 1, max: 240 }) }), { minLength: 1, maxLength: 5 }),
        async (steps) => {
          run += 1;
          // A fresh hour for the reset limits of each run.
          t.clock.advance(2 * HOUR);
          const victim = await createUser(t.deps, company, { role: "user", email: `prop.${run}.${victims++}@start.test` });
          const had = new Set([normalizeEmail(victim.email)]);
          const left: string[] = [];
          let current = victim.email;
          for (const step of steps) {
            t.clock.advance(step.minutesLater * 60_000);
            const address = step.address.replace("@", `.${run}@`);
            expect((await changeEmail(null, victim.id, address)).status).toBe(200);
            if (normalizeEmail(address) !== normalizeEmail(current)) left.push(current);
            had.add(normalizeEmail(address));
            current = address;
          }
          t.clock.advance(60_000);
          await resetThroughEmail(victim.id, current);

          const told = (await outboxOf(victim.id, "password_changed")).map((row) => normalizeEmail(row.toAddress));
          expect(told.sort()).toEqual([...had].sort());
          const noticed = (await outboxOf(victim.id, "email_changed")).map((row) => row.toAddress);
          expect(noticed).toEqual(left);
        },
      ),
      { numRuns: 12 },
    );
  });
});
