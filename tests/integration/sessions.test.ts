import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emails, sessions } from "../../src/db/schema.ts";
import { describeDevice } from "../../src/features/sessions/describe-device.ts";
import { createCompanyWithUsers, createUser, FACTORY_PASSWORD, type SeedUser } from "../support/factories.ts";
import { auditRowsOf, linkedCompanyWithGrantedManager } from "../support/password-reset.ts";
import type { TestClient } from "../support/client.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";

const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

describe("sessions: one's own in account settings, another user's on their page (decision 0048)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function browserOf(user: Pick<SeedUser, "email">, userAgent: string, clientAddress = "198.51.100.7"): Promise<TestClient> {
    const client = t.client(clientAddress);
    const reply = await client.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD }, { "user-agent": userAgent });
    if (reply.status !== 200) throw new Error(`sign-in failed: ${reply.status}`);
    return client;
  }
  const me = (client: TestClient) => client.get("/api/v1/auth/me");

  it("lists the user's own live sessions with device, address, signed in and last seen, theirs marked current", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const laptop = await browserOf(u.user, CHROME_MAC, "198.51.100.7");
    await browserOf(u.user, FIREFOX_LINUX, "203.0.113.20");
    await browserOf(u.manager, FIREFOX_LINUX);
    const reply = await laptop.get("/api/v1/account/sessions");
    expect(reply.status).toBe(200);
    expect(reply.body.sessions).toHaveLength(2);
    const current = reply.body.sessions.find((s: { current: boolean }) => s.current);
    expect(current).toMatchObject({ device: "Chrome on macOS", clientAddress: "198.51.100.7", signedInAt: t.clock.now().toISOString() });
    expect(reply.body.sessions.find((s: { current: boolean }) => !s.current)).toMatchObject({ device: "Firefox on Linux", clientAddress: "203.0.113.20", current: false });
    expect(JSON.stringify(reply.body)).not.toMatch(/token|hash/i);
  });

  it("updates last seen at most once a minute, in the session check itself", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const browser = await browserOf(u.user, CHROME_MAC);
    const signedInAt = t.clock.now();
    const lastSeen = async () => (await t.deps.db.select({ at: sessions.lastSeenAt }).from(sessions).where(eq(sessions.userId, u.user.id)))[0]?.at;
    t.clock.advance(30_000);
    await me(browser);
    expect(await lastSeen()).toEqual(signedInAt);
    t.clock.advance(31_000);
    await me(browser);
    expect(await lastSeen()).toEqual(t.clock.now());
  });

  it("signs out one other session of one's own: that browser is signed out, this one is not", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const laptop = await browserOf(u.user, CHROME_MAC);
    const phone = await browserOf(u.user, FIREFOX_LINUX);
    const list = (await laptop.get("/api/v1/account/sessions")).body.sessions as Array<{ id: string; current: boolean }>;
    const other = list.find((s) => !s.current);
    expect((await laptop.delete(`/api/v1/account/sessions/${other?.id}`)).status).toBe(200);
    expect((await me(phone)).status).toBe(401);
    expect((await me(laptop)).status).toBe(200);
    expect((await auditRowsOf(t, "sessions.revoked")).filter((r) => r.targetUserId === u.user.id).at(-1)).toMatchObject({ actorUserId: u.user.id, details: { which: "one", count: 1 } });
  });

  it("refuses another user's session id, even a colleague's, exactly like an unknown one, and ends nothing", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const other = await createCompanyWithUsers(t.deps);
    const mine = await browserOf(u.administrator, CHROME_MAC);
    const colleague = await browserOf(u.user, CHROME_MAC);
    const stranger = await browserOf(other.users.user, CHROME_MAC);
    const colleagueSession = (await colleague.get("/api/v1/account/sessions")).body.sessions[0].id as string;
    const strangerSession = (await stranger.get("/api/v1/account/sessions")).body.sessions[0].id as string;
    for (const id of [colleagueSession, strangerSession, randomUUID()]) {
      const reply = await mine.delete(`/api/v1/account/sessions/${id}`);
      expect(reply.status).toBe(404);
      expect(reply.body.error.code).toBe("NOT_FOUND");
    }
    expect((await mine.delete("/api/v1/account/sessions/not-an-id")).status).toBe(400);
    expect((await me(colleague)).status).toBe(200);
    expect((await me(stranger)).status).toBe(200);
  });

  it("signs out everywhere else: every other session of the user ends, this one stays, others' stay", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const here = await browserOf(u.user, CHROME_MAC);
    const elsewhere = [await browserOf(u.user, FIREFOX_LINUX), await browserOf(u.user, CHROME_MAC)];
    const colleague = await browserOf(u.manager, CHROME_MAC);
    const reply = await here.post("/api/v1/account/sessions/sign-out-others");
    expect(reply.body).toEqual({ signedOut: 2 });
    for (const browser of elsewhere) expect((await me(browser)).status).toBe(401);
    expect((await me(here)).status).toBe(200);
    expect((await me(colleague)).status).toBe(200);
    expect((await here.get("/api/v1/account/sessions")).body.sessions).toHaveLength(1);
  });

  it("lets an administrator see a user's sessions and sign them out everywhere: audited, and the user is emailed who did it", async () => {
    const { company, users: u } = await createCompanyWithUsers(t.deps, { name: "Acme Widgets" });
    const admin = await createUser(t.deps, company, { role: "administrator", name: "Jane Smith" });
    const adminBrowser = await browserOf(admin, CHROME_MAC, "192.0.2.44");
    const victims = [await browserOf(u.manager, CHROME_MAC), await browserOf(u.manager, FIREFOX_LINUX)];
    const listed = await adminBrowser.get(`/api/v1/users/${u.manager.id}/sessions`);
    expect(listed.status).toBe(200);
    expect(listed.body.sessions.map((s: { device: string }) => s.device).sort()).toEqual(["Chrome on macOS", "Firefox on Linux"]);
    expect(listed.body.sessions.every((s: { current: boolean }) => !s.current)).toBe(true);
    const reply = await adminBrowser.post(`/api/v1/users/${u.manager.id}/sessions/sign-out-all`);
    expect(reply.body).toEqual({ signedOut: 2 });
    for (const browser of victims) expect((await me(browser)).status).toBe(401);
    expect((await adminBrowser.get(`/api/v1/users/${u.manager.id}/sessions`)).body.sessions).toEqual([]);
    const [row] = (await auditRowsOf(t, "sessions.revoked")).filter((r) => r.targetUserId === u.manager.id);
    expect(row).toMatchObject({ actorUserId: admin.id, targetCompanyId: company.id, clientAddress: "192.0.2.44", details: { which: "all", count: 2 } });
    const [queued] = await t.deps.db.select().from(emails).where(and(eq(emails.userId, u.manager.id), eq(emails.kind, "signed_out_everywhere")));
    expect(queued?.subject).toBe("Jane Smith signed you out of Latchkey everywhere");
    const message = await t.smtp.waitFor((m) => m.to.includes(u.manager.email.toLowerCase()) && /signed you out/.test(m.subject));
    for (const body of [message.text, message.html]) {
      expect(body).toContain("Jane Smith, administrator of Acme Widgets, signed you out of every browser and device");
      expect(body).toContain(`${TEST_PUBLIC_URL}/login`);
    }
    // The password still works.
    expect((await browserOf(u.manager, CHROME_MAC)).cookies.size).toBeGreaterThan(0);
  });

  it("refuses whom the rules refuse, and ends nothing: manager on administrator, user and read-only on anyone, oneself, another company", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const other = await createCompanyWithUsers(t.deps);
    const target = await browserOf(u.administrator, CHROME_MAC);
    const cases: Array<[SeedUser, SeedUser, number, string]> = [
      [u.manager, u.administrator, 403, "FORBIDDEN"],
      [u.manager, u.manager, 403, "CANNOT_ACT_ON_SELF"],
      [u.user, u.read_only, 403, "FORBIDDEN"],
      [u.read_only, u.user, 403, "FORBIDDEN"],
      [u.administrator, u.administrator, 403, "CANNOT_ACT_ON_SELF"],
      [other.users.administrator, u.administrator, 404, "NOT_FOUND"],
      [other.users.administrator, u.user, 404, "NOT_FOUND"],
    ];
    for (const [asker, whom, status, code] of cases) {
      const browser = await browserOf(asker, CHROME_MAC);
      for (const reply of [await browser.get(`/api/v1/users/${whom.id}/sessions`), await browser.post(`/api/v1/users/${whom.id}/sessions/sign-out-all`)]) {
        expect([asker.role, whom.role, reply.status, reply.body.error?.code]).toEqual([asker.role, whom.role, status, code]);
      }
    }
    expect((await me(target)).status).toBe(200);
    expect((await auditRowsOf(t, "sessions.revoked")).filter((r) => r.targetUserId === u.administrator.id)).toEqual([]);
  });

  it("lets a manager sign out a user; refuses a deactivated user with USER_DEACTIVATED", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const manager = await browserOf(u.manager, CHROME_MAC);
    const victim = await browserOf(u.user, CHROME_MAC);
    expect((await manager.post(`/api/v1/users/${u.user.id}/sessions/sign-out-all`)).body).toEqual({ signedOut: 1 });
    expect((await me(victim)).status).toBe(401);
    const admin = await browserOf(u.administrator, CHROME_MAC);
    expect((await admin.post(`/api/v1/users/${u.read_only.id}/deactivate`)).status).toBe(200);
    const refused = await admin.post(`/api/v1/users/${u.read_only.id}/sessions/sign-out-all`);
    expect([refused.status, refused.body.error.code]).toEqual([409, "USER_DEACTIVATED"]);
  });

  it("lets a team member with a grant sign out a linked company's user; the email names both companies", async () => {
    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Parent Co", linked: "Linked Co" });
    const victim = await browserOf(setup.linkedUser, CHROME_MAC);
    expect((await setup.memberBrowser.get(`/api/v1/users/${setup.linkedUser.id}/sessions`)).body.sessions).toHaveLength(1);
    expect((await setup.memberBrowser.post(`/api/v1/users/${setup.linkedUser.id}/sessions/sign-out-all`)).body).toEqual({ signedOut: 1 });
    expect((await me(victim)).status).toBe(401);
    const message = await t.smtp.waitFor((m) => m.to.includes(setup.linkedUser.email.toLowerCase()) && /signed you out/.test(m.subject));
    expect(message.text).toContain("Jane Smith (manager at Parent Co), on behalf of Linked Co, signed you out");
  });

  it("names common browsers and systems, and never guesses beyond them", () => {
    expect(describeDevice(CHROME_MAC)).toBe("Chrome on macOS");
    expect(describeDevice(FIREFOX_LINUX)).toBe("Firefox on Linux");
    expect(describeDevice("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")).toBe("Edge on Windows");
    expect(describeDevice("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")).toBe("Safari on iPhone");
    expect(describeDevice("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36")).toBe("Chrome on Android");
    expect(describeDevice("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36")).toBe("Chrome on Linux");
    expect(describeDevice(null)).toBe("Unknown device");
    expect(describeDevice("something/1.0")).toBe("Unknown device");
  });
});
