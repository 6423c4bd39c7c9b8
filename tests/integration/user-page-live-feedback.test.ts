import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emails } from "../../src/db/schema.ts";
import { describeDeliveryProblem } from "../../src/email/delivery-problem.ts";
import { createCompany, createCompanyWithUsers, createUser, FACTORY_PASSWORD, signIn, type SeedUser } from "../support/factories.ts";
import { waitForEmailStatus } from "../support/outbox.ts";
import { linkedCompanyWithGrantedManager } from "../support/password-reset.ts";
import { currentCode, enrolTotp } from "../support/second-factor.ts";
import type { TestClient } from "../support/client.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

describe("the user page's live delivery feedback and sign-in history (decision 0051)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const historyOf = async (admin: TestClient, userId: string) => (await admin.get(`/api/v1/users/${userId}/password-resets`)).body.resets as Array<{ id: string; emailStatus: string; emailProblem: string | null }>;

  it("tells why a reset email has not left while SMTP refuses connections, in words and without the server's reply; sent once SMTP is back", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    await t.smtp.refuseConnections();
    let resetId = "";
    try {
      const reply = await admin.post(`/api/v1/users/${users.user.id}/password-reset`);
      expect(reply.status).toBe(202);
      resetId = reply.body.reset.id;
      const [row] = await t.deps.db.select().from(emails).where(eq(emails.linkTokenId, resetId));
      if (!row) throw new Error("no email row for the reset");
      await waitForEmailStatus(t.deps, row.id, "retrying");
      const entry = (await historyOf(admin, users.user.id)).find((reset) => reset.id === resetId);
      expect(entry).toMatchObject({ emailStatus: "retrying", emailProblem: "The mail server could not be reached. Latchkey keeps trying." });
      expect(JSON.stringify(entry)).not.toMatch(/ECONN|127\.0\.0\.1|ESOCKET|:\d{4,5}/);
    } finally {
      await t.smtp.restart();
    }
    await t.smtp.waitFor({ to: users.user.email, subject: /reset/i }, 20_000);
    const [row] = await t.deps.db.select().from(emails).where(eq(emails.linkTokenId, resetId));
    if (!row) throw new Error("no email row for the reset");
    await waitForEmailStatus(t.deps, row.id, "sent");
    expect((await historyOf(admin, users.user.id)).find((reset) => reset.id === resetId)).toMatchObject({ emailStatus: "sent", emailProblem: null });
  });

  it("says the mail server refused the address when it answers 550, and a second try goes through the same rules and limits", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    t.smtp.setMode("permfail");
    try {
      const reply = await admin.post(`/api/v1/users/${users.read_only.id}/password-reset`);
      const [row] = await t.deps.db.select().from(emails).where(eq(emails.linkTokenId, reply.body.reset.id));
      if (!row) throw new Error("no email row for the reset");
      await waitForEmailStatus(t.deps, row.id, "failed");
      expect((await historyOf(admin, users.read_only.id))[0]).toMatchObject({ emailStatus: "failed", emailProblem: "The mail server refused the address." });
    } finally {
      t.smtp.setMode("accept");
    }
    t.clock.advance(1_000);
    const again = await admin.post(`/api/v1/users/${users.read_only.id}/password-reset`);
    expect(again.status).toBe(202);
    const history = await historyOf(admin, users.read_only.id);
    expect(history[0]?.id).toBe(again.body.reset.id);
  });

  it("words every kind of SMTP failure without repeating the server's reply", () => {
    const cases: Array<[string, string]> = [
      ["ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:587", "The mail server could not be reached."],
      ["EAUTH 535: 5.7.8 Authentication failed for smtp-user s3cret", "The mail server refused Latchkey's sign-in: check the SMTP user and password."],
      ["EENVELOPE 550: 5.1.1 <x@y.test>: Recipient address rejected", "The mail server refused the address."],
      ["ETIMEDOUT: Connection timeout", "The mail server did not answer in time."],
      ["EMESSAGE 554: 5.7.1 Message rejected as spam", "The mail server refused the email."],
      ["EENVELOPE 451: 4.3.0 try later", "The mail server asked to try again later."],
      ["TypeError: something odd at mail.internal:25", "The email could not be handed to the mail server."],
    ];
    for (const [error, words] of cases) {
      const said = describeDeliveryProblem("failed", error);
      expect(said).toBe(words);
      expect(said).not.toMatch(/s3cret|10\.0\.0\.5|x@y|internal/);
    }
    expect(describeDeliveryProblem("dropped", "link superseded before delivery")).toBe("Not sent: a newer link replaced this one before the email left.");
    expect(describeDeliveryProblem("queued", null)).toBeNull();
    expect(describeDeliveryProblem("sent", "ECONNREFUSED: old")).toBeNull();
  });

  async function browserOf(user: Pick<SeedUser, "email">, userAgent: string, clientAddress = "198.51.100.7"): Promise<TestClient> {
    const client = t.client(clientAddress);
    const reply = await client.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD }, { "user-agent": userAgent });
    if (reply.status !== 200) throw new Error(`sign-in failed: ${reply.status}`);
    return client;
  }

  it("lists a user's recent sign-ins, newest first: successes with device and address, wrong passwords and wrong second-factor codes", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await browserOf(users.administrator, CHROME_MAC);
    const own = await browserOf(users.user, CHROME_MAC, "198.51.100.7");
    t.clock.advance(1_000);
    expect((await t.client("203.0.113.9").post("/api/v1/auth/login", { email: users.user.email, password: "not the password" }, { "user-agent": FIREFOX_LINUX })).status).toBe(401);
    t.clock.advance(1_000);
    const { secret } = await enrolTotp(t, own);
    const step = t.client("203.0.113.10");
    expect((await step.post("/api/v1/auth/login", { email: users.user.email, password: FACTORY_PASSWORD }, { "user-agent": FIREFOX_LINUX })).status).toBe(200);
    const wrong = currentCode(t, secret) === "000000" ? "111111" : "000000";
    expect((await step.post("/api/v1/auth/second-factor", { method: "totp", code: wrong }, { "user-agent": FIREFOX_LINUX })).body.error.code).toBe("SECOND_FACTOR_INCORRECT");

    const reply = await admin.get(`/api/v1/users/${users.user.id}/sign-ins`);
    expect(reply.status).toBe(200);
    expect(reply.body.nextCursor).toBeNull();
    expect(reply.body.signIns.map((s: { result: string; device: string; clientAddress: string }) => [s.result, s.device, s.clientAddress])).toEqual([
      ["wrong_second_factor_code", "Firefox on Linux", "203.0.113.10"],
      ["wrong_password", "Firefox on Linux", "203.0.113.9"],
      ["signed_in", "Chrome on macOS", "198.51.100.7"],
    ]);
    // The administrator's own sign-in is theirs, not the user's.
    expect(JSON.stringify(reply.body)).not.toContain(users.administrator.id);
  });

  it("pages by a cursor of its own, 20 at a time, and refuses a tampered cursor with 400", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    for (let i = 0; i < 23; i += 1) {
      t.clock.advance(1_000);
      await t.client(`192.0.2.${i + 1}`).post("/api/v1/auth/login", { email: users.user.email, password: "wrong" });
    }
    const first = await admin.get(`/api/v1/users/${users.user.id}/sign-ins`);
    expect(first.body.signIns).toHaveLength(20);
    const second = await admin.get(`/api/v1/users/${users.user.id}/sign-ins?before=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.signIns.map((s: { clientAddress: string }) => s.clientAddress)).toEqual(["192.0.2.3", "192.0.2.2", "192.0.2.1"]);
    expect(second.body.nextCursor).toBeNull();
    for (const bad of ["x", Buffer.from('["yesterday","1"]').toString("base64url"), Buffer.from('["2026-01-01T00:00:00.000Z","1 or 1=1"]').toString("base64url"), "%00"]) {
      const refused = await admin.get(`/api/v1/users/${users.user.id}/sign-ins?before=${bad}`);
      expect([bad, refused.status, refused.body.error?.code]).toEqual([bad, 400, "VALIDATION_FAILED"]);
    }
  });

  it("refuses whom the rules refuse: another company and a linked company without a grant like a missing id, user and read-only, the signed-out", async () => {
    const { users: u } = await createCompanyWithUsers(t.deps);
    const other = await createCompanyWithUsers(t.deps);
    const missing = "00000000-0000-4000-8000-000000000000";
    const cases: Array<[SeedUser, string, number, string]> = [
      [other.users.administrator, u.user.id, 404, "NOT_FOUND"],
      [other.users.administrator, missing, 404, "NOT_FOUND"],
      [u.read_only, u.user.id, 403, "FORBIDDEN"],
      [u.user, u.read_only.id, 403, "FORBIDDEN"],
    ];
    for (const [asker, whom, status, code] of cases) {
      const reply = await (await signIn(t, asker)).get(`/api/v1/users/${whom}/sign-ins`);
      expect([asker.role, whom, reply.status, reply.body.error?.code]).toEqual([asker.role, whom, status, code]);
    }
    expect((await t.client().get(`/api/v1/users/${u.user.id}/sign-ins`)).status).toBe(401);

    const setup = await linkedCompanyWithGrantedManager(t, { parent: "Signins Parent Co", linked: "Signins Linked Co" });
    expect((await setup.memberBrowser.get(`/api/v1/users/${setup.linkedUser.id}/sign-ins`)).status).toBe(200);
    const ungranted = await createUser(t.deps, setup.parent, { role: "manager" });
    const refused = await (await signIn(t, ungranted)).get(`/api/v1/users/${setup.linkedUser.id}/sign-ins`);
    expect([refused.status, refused.body.error?.code]).toEqual([404, "NOT_FOUND"]);
    const stranger = await createCompany(t.deps, { name: "Signins Stranger Co" });
    const strangerAdmin = await createUser(t.deps, stranger, { role: "administrator" });
    expect((await (await signIn(t, strangerAdmin)).get(`/api/v1/users/${setup.linkedUser.id}/sign-ins`)).status).toBe(404);
  });
});
