import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, secondFactorEnrolmentsDue, totpFactors } from "../../src/db/schema.ts";
import { DAY_MS, secondFactorDemand } from "../../src/features/second-factor/demand.ts";
import { totpCode } from "../../src/features/second-factor/totp.ts";
import { createCompany, createUser, signIn } from "../support/factories.ts";
import { authorizationRequest, exchange, follow, interactionUid, registerClient, type RegisteredClient } from "../support/oidc.ts";
import { currentCode, enrolTotp, passwordStep } from "../support/second-factor.ts";
import { FACTORY_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let address = 0;
const freshAddress = () => `198.18.0.${++address}`;

describe("what is demanded at sign-in: a company's policy, an administrator's reset, and applications' sign-in", () => {
  let t: TestApp;
  let app: RegisteredClient;
  beforeAll(async () => {
    t = await startTestApp({ env: { SECRET_KEY: Buffer.alloc(32, 9).toString("hex") } });
    app = await registerClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const requireFactor = (companyId: string, requiredAt: Date, graceDays: number, forLinked = false) =>
    t.deps.db.update(companies).set({ secondFactorRequiredAt: requiredAt, secondFactorGraceDays: graceDays, secondFactorPolicyForLinked: forLinked }).where(eq(companies.id, companyId));

  it("during the grace period signs in and says by when; after it, asks to set up a factor before any session", async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    const now = t.clock.now();
    await requireFactor(company.id, now, 7);
    const grace = await passwordStep(t, user.email, freshAddress());
    expect(grace.reply.body).toEqual({ ok: true, enrolBy: new Date(now.getTime() + 7 * DAY_MS).toISOString() });
    expect((await grace.client.get("/api/v1/account/second-factor")).body).toMatchObject({ requiredFrom: new Date(now.getTime() + 7 * DAY_MS).toISOString(), enrolmentOwed: true });

    t.clock.advance(7 * DAY_MS);
    const { client, reply } = await passwordStep(t, user.email, freshAddress());
    expect(reply.body).toMatchObject({ ok: true, secondStep: { purpose: "enrol", methods: ["totp", "passkey"] } });
    expect((await client.get("/api/v1/auth/me")).status).toBe(401);
    expect((await client.get("/api/v1/auth/second-factor")).body).toMatchObject({ purpose: "enrol", methods: ["totp", "passkey"] });
    // The code step is not the enrolment step: a challenge for one is refused by the other.
    expect((await client.post("/api/v1/auth/second-factor", { method: "totp", code: "123456" })).body.error.code).toBe("SIGN_IN_EXPIRED");

    const started = await client.post("/api/v1/auth/second-factor/enrol/totp");
    expect(started.status).toBe(200);
    expect((await client.post("/api/v1/auth/second-factor/enrol/totp/confirm", { code: "000000" === currentCode(t, started.body.secret) ? "111111" : "000000" })).body.error.code).toBe("SECOND_FACTOR_INCORRECT");
    const done = await client.post("/api/v1/auth/second-factor/enrol/totp/confirm", { code: currentCode(t, started.body.secret) });
    expect(done.status).toBe(200);
    expect(done.body.recoveryCodes).toHaveLength(10);
    expect((await client.get("/api/v1/auth/me")).body.user.id).toBe(user.id);
    // From now on, the second step.
    t.clock.advance(30_000);
    expect((await passwordStep(t, user.email, freshAddress())).reply.body.secondStep.purpose).toBe("second_factor");
  });

  it("a linked company follows its parent's policy only while the parent applies it to linked companies", async () => {
    const parent = await createCompany(t.deps);
    const linked = await createCompany(t.deps, { parentId: parent.id });
    const user = await createUser(t.deps, linked);
    await requireFactor(parent.id, new Date(t.clock.now().getTime() - DAY_MS), 0, false);
    expect(await secondFactorDemand(t.deps.db, user.id, t.clock.now())).toEqual({ kind: "none" });
    await requireFactor(parent.id, new Date(t.clock.now().getTime() - DAY_MS), 0, true);
    expect(await secondFactorDemand(t.deps.db, user.id, t.clock.now())).toEqual({ kind: "enrol", reason: "policy", methods: ["totp", "passkey"] });
    // The earlier deadline of the two holds.
    await requireFactor(parent.id, t.clock.now(), 10, true);
    await requireFactor(linked.id, t.clock.now(), 3);
    expect(await secondFactorDemand(t.deps.db, user.id, t.clock.now())).toEqual({ kind: "grace", deadline: new Date(t.clock.now().getTime() + 3 * DAY_MS) });
  });

  it("after an administrator's reset the user enrols at the next sign-in, whatever the policy, and the due row goes", async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    await t.deps.db.insert(secondFactorEnrolmentsDue).values({ userId: user.id, reason: "reset", since: t.clock.now() });
    const { client, reply } = await passwordStep(t, user.email, freshAddress());
    expect(reply.body.secondStep.purpose).toBe("enrol");
    const started = await client.post("/api/v1/auth/second-factor/enrol/totp");
    expect((await client.post("/api/v1/auth/second-factor/enrol/totp/confirm", { code: currentCode(t, started.body.secret) })).status).toBe(200);
    expect(await t.deps.db.select().from(secondFactorEnrolmentsDue).where(eq(secondFactorEnrolmentsDue.userId, user.id))).toHaveLength(0);
    expect((await t.deps.db.select().from(totpFactors).where(eq(totpFactors.userId, user.id)))[0]?.confirmedAt).not.toBeNull();
  });

  it("an application's sign-in asks for the second factor too: no session, no code for the application, until the step is taken", async () => {
    const company = await createCompany(t.deps);
    const user = await createUser(t.deps, company);
    const { secret } = await enrolTotp(t, await signIn(t, user, freshAddress()));

    const browser = t.client(freshAddress());
    const authorization = await authorizationRequest(app);
    const first = await follow(browser, authorization.url);
    const uid = interactionUid(first.location ?? "");
    const login = await browser.post(`/interaction/${uid}/login`, { email: user.email, password: FACTORY_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.secondStep).toMatchObject({ purpose: "second_factor", methods: ["totp", "recovery_code"] });
    // Skipping the step gets nothing.
    expect((await browser.post(`/interaction/${uid}/continue`, {})).status).toBe(401);
    expect((await browser.get(`/interaction/${uid}/details`)).body.user).toBeNull();

    expect((await browser.post("/api/v1/auth/second-factor", { method: "totp", code: totpCode(secret, t.clock.now()) })).status).toBe(200);
    const next = await browser.post(`/interaction/${uid}/continue`, {});
    expect(next.status).toBe(200);
    const done = await follow(browser, next.body.redirectTo);
    const tokens = await exchange(app, new URL(done.location ?? ""), authorization);
    expect(tokens.claims()?.sub).toBe(user.id);
  });
});
