import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessions, users } from "../../src/db/schema.ts";
import type { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, FACTORY_PASSWORD, signIn, type SeedUser } from "../support/factories.ts";
import { registerPasskey } from "../support/passkeys.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

describe("a passkey as the second step of a sign-in", () => {
  let t: TestApp;
  let address = 0;
  const fresh = () => t.client(`10.78.${Math.floor(++address / 250)}.${address % 250}`);

  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function userWithPasskey() {
    const { users: members, company } = await createCompanyWithUsers(t.deps);
    const { authenticator } = await registerPasskey(await signIn(t, members.user));
    return { user: members.user, other: members.manager, company, authenticator };
  }

  /** The password, right: a half-finished sign-in owing a passkey. */
  async function password(user: SeedUser): Promise<TestClient> {
    const browser = fresh();
    const reply = await browser.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
    expect(reply.status).toBe(200);
    expect(reply.body.secondStep).toMatchObject({ purpose: "second_factor", methods: ["passkey"] });
    return browser;
  }

  const step = async (browser: TestClient, answer: (options: { challenge: string; allowCredentials?: Array<{ id: string }> }) => unknown) => {
    const options = await browser.post("/api/v1/auth/second-factor/passkey/options");
    expect(options.status).toBe(200);
    return browser.post("/api/v1/auth/second-factor/passkey", { response: answer(options.body) });
  };
  const sessionsOf = async (userId: string) => (await t.deps.db.select().from(sessions).where(eq(sessions.userId, userId))).length;

  it("after the password, the user's own passkeys are offered and one of them finishes the sign-in", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = await password(user);
    expect((await browser.get("/api/v1/auth/me")).status).toBe(401);
    const options = await browser.post("/api/v1/auth/second-factor/passkey/options", undefined, { host: "evil.example" });
    expect(options.body).toMatchObject({ rpId: "latchkey.test", userVerification: "required" });
    expect(options.body.allowCredentials).toEqual([expect.objectContaining({ id: authenticator.id, type: "public-key" })]);
    const reply = await browser.post("/api/v1/auth/second-factor/passkey", { response: authenticator.assert(options.body) });
    expect(reply.status).toBe(200);
    expect((await browser.get("/api/v1/auth/me")).body.user.id).toBe(user.id);
  });

  it("refuses another user's passkey, even a valid one, as a wrong answer — and opens no session", async () => {
    const { user } = await userWithPasskey();
    const stranger = await userWithPasskey();
    const before = await sessionsOf(user.id);
    const browser = await password(user);
    const reply = await step(browser, (options) => stranger.authenticator.assert(options));
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    // Told as a passkey's refusal, never as a wrong code (the person typed none).
    expect(reply.body.error.message).toMatch(/passkey/);
    expect(reply.body.error.message).not.toMatch(/code/i);
    expect(await sessionsOf(user.id)).toBe(before);
    expect(await sessionsOf(stranger.user.id)).toBe(1);
  });

  it("refuses another origin or rpID, no user verification, a counter going backwards and a stale challenge", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = await password(user);
    for (const bend of [{ origin: "https://evil.example" }, { rpId: "evil.example" }, { unverified: true }, { counter: 0 }]) {
      const reply = await step(browser, (options) => authenticator.assert(options, bend));
      expect(reply.status, JSON.stringify(bend)).toBe(401);
      expect(reply.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    }
    // Options asked twice: only the latest challenge is answerable.
    const first = await browser.post("/api/v1/auth/second-factor/passkey/options");
    await browser.post("/api/v1/auth/second-factor/passkey/options");
    const stale = await browser.post("/api/v1/auth/second-factor/passkey", { response: authenticator.assert(first.body) });
    expect(stale.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
  });

  it("uses the half-finished sign-in once: a replayed answer finds it gone", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = await password(user);
    const options = await browser.post("/api/v1/auth/second-factor/passkey/options");
    const answer = authenticator.assert(options.body);
    const copy = browser.clone();
    expect((await browser.post("/api/v1/auth/second-factor/passkey", { response: answer })).status).toBe(200);
    const replay = await copy.post("/api/v1/auth/second-factor/passkey", { response: answer });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("SIGN_IN_EXPIRED");
  });

  it("cannot be taken for another person's half-finished sign-in, nor without one", async () => {
    const a = await userWithPasskey();
    const b = await userWithPasskey();
    // B's browser is half-signed-in; A's passkey answers B's challenge.
    const browserB = await password(b.user);
    const wrong = await step(browserB, (options) => a.authenticator.assert(options));
    expect(wrong.body.error.code).toBe("PASSKEY_NOT_ACCEPTED");
    const nobody = fresh();
    expect((await nobody.post("/api/v1/auth/second-factor/passkey/options")).status).toBe(401);
    expect((await nobody.post("/api/v1/auth/second-factor/passkey", { response: a.authenticator.assert({ challenge: "AAAA" }) })).body.error.code).toBe("SIGN_IN_EXPIRED");
  });

  it("refuses the step when the user was deactivated after the password", async () => {
    const { user, authenticator } = await userWithPasskey();
    const browser = await password(user);
    const options = await browser.post("/api/v1/auth/second-factor/passkey/options");
    await t.deps.db.update(users).set({ status: "deactivated", deactivatedAt: t.clock.now() }).where(eq(users.id, user.id));
    const reply = await browser.post("/api/v1/auth/second-factor/passkey", { response: authenticator.assert(options.body) });
    expect(reply.status).toBe(401);
  });

  it("limits wrong answers like codes, then 429", async () => {
    const { user, authenticator } = await userWithPasskey();
    let last = 0;
    // Each half-finished sign-in dies after a few wrong answers; the account+client limit counts across them.
    for (let i = 0; i < 12 && last !== 429; i++) {
      const browser = t.client("10.79.0.1");
      const login = await browser.post("/api/v1/auth/login", { email: user.email, password: FACTORY_PASSWORD });
      if (login.status === 429) {
        last = 429;
        break;
      }
      for (let j = 0; j < 5 && last !== 429; j++) last = (await step(browser, (options) => authenticator.assert(options, { origin: "https://evil.example" }))).status;
    }
    expect(last).toBe(429);
  });

  it("reports the half-finished sign-in's methods with a passkey among them", async () => {
    const { user } = await userWithPasskey();
    const browser = await password(user);
    expect((await browser.get("/api/v1/auth/second-factor")).body.methods).toEqual(["passkey"]);
  });

  it("refuses malformed answers with 400", async () => {
    const { user } = await userWithPasskey();
    const browser = await password(user);
    await browser.post("/api/v1/auth/second-factor/passkey/options");
    for (const body of [{}, { response: { id: "AA" } }, { response: "x" }]) expect((await browser.post("/api/v1/auth/second-factor/passkey", body)).status).toBe(400);
  });
});

