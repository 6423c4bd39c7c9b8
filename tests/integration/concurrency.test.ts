import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, linkTokens, managementGrants } from "../../src/db/schema.ts";
import { issueLinkToken } from "../../src/features/auth/link-tokens.ts";
import { unlinkCompany } from "../../src/features/linked-companies/link-company.ts";
import { createSession } from "../../src/features/auth/sessions.ts";
import { sessionCookieName } from "../../src/http/middleware/cookies.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createCompanyWithUsers, createUser, FACTORY_PASSWORD, readUser, type SeedUser } from "../support/factories.ts";
import { linksOf, NEW_PASSWORD, settleForgotPasswordJobs, submitNewPassword } from "../support/password-reset.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";

/** One step of a race: an HTTP request by one actor, answering with its status. */
type Op<F> = (fixture: F) => Promise<number>;

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * Runs the operations one after the other in every order, each order on a fresh fixture, and
 * returns every (statuses, final state) that a serial execution can produce.
 */
async function serialOutcomes<F>(setup: () => Promise<F>, ops: Op<F>[], observe: (f: F) => Promise<unknown>): Promise<Set<string>> {
  const outcomes = new Set<string>();
  for (const order of permutations(ops.map((_, i) => i))) {
    const fixture = await setup();
    const statuses: number[] = [];
    for (const i of order) statuses[i] = await (ops[i] as Op<F>)(fixture);
    outcomes.add(JSON.stringify({ statuses, state: await observe(fixture) }));
  }
  return outcomes;
}

/** Runs the operations at once, `rounds` times on fresh fixtures; every outcome must be a serial one. */
async function expectOnlySerialOutcomes<F>(setup: () => Promise<F>, ops: Op<F>[], observe: (f: F) => Promise<unknown>, rounds: number) {
  const serial = await serialOutcomes(setup, ops, observe);
  const seen: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const fixture = await setup();
    const statuses = await Promise.all(ops.map((op) => op(fixture)));
    seen.push(JSON.stringify({ statuses, state: await observe(fixture) }));
  }
  expect(seen.filter((outcome) => !serial.has(outcome)), `serial outcomes: ${[...serial].join(" | ")}`).toEqual([]);
}

describe("concurrent requests end in a state some serial order would have produced", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  let addresses = 0;
  /** A browser signed in as the user through a session row: no argon2 per fixture, same cookie as a login. */
  async function browserOf(user: SeedUser): Promise<TestClient> {
    const client = t.client(`10.77.${Math.floor(++addresses / 250)}.${addresses % 250}`);
    const { token } = await createSession(t.deps.db, { userId: user.id, companyId: user.companyId, now: t.clock.now(), ttlMs: 3_600_000, clientAddress: "10.77.0.0", userAgent: "test" });
    client.cookies.set(sessionCookieName(TEST_PUBLIC_URL), token);
    await client.csrfToken();
    return client;
  }

  const liveLinks = (userId: string) =>
    t.deps.db
      .select()
      .from(linkTokens)
      .where(and(eq(linkTokens.userId, userId), isNull(linkTokens.usedAt), isNull(linkTokens.supersededAt), isNull(linkTokens.revokedAt)));

  it("leaves exactly one live link after reset clicks by two administrators, a manager, the user and 'forgot password' at once", async () => {
    for (let round = 0; round < 3; round++) {
      const { company, users: members } = await createCompanyWithUsers(t.deps);
      const secondAdmin = await createUser(t.deps, company, { role: "administrator" });
      const target = members.user;
      const [a1, a2, manager, self] = await Promise.all([browserOf(members.administrator), browserOf(secondAdmin), browserOf(members.manager), browserOf(target)]);
      const anonymous = t.client(`10.78.0.${round + 1}`);
      await anonymous.csrfToken();
      const replies = await Promise.all([
        a1.post(`/api/v1/users/${target.id}/password-reset`),
        a2.post(`/api/v1/users/${target.id}/password-reset`),
        manager.post(`/api/v1/users/${target.id}/password-reset`),
        a1.post(`/api/v1/users/${target.id}/password-reset`),
        self.post("/api/v1/account/password-reset"),
        anonymous.post("/api/v1/auth/forgot-password", { email: target.email }),
        anonymous.post("/api/v1/auth/forgot-password", { email: target.email }),
      ]);
      expect(replies.map((r) => r.status).every((s) => s === 202)).toBe(true);
      await settleForgotPasswordJobs(t);
      expect(await liveLinks(target.id)).toHaveLength(1);
      expect((await linksOf(t, target.id)).length).toBe(7);
    }
  });

  it("takes one of twenty submissions of a link racing a new link for the same user: never two live links, never a dead new one", async () => {
    const setup = async () => {
      const { users: members } = await createCompanyWithUsers(t.deps);
      const { token } = await t.deps.db.transaction((tx) => issueLinkToken(tx, { userId: members.user.id, purpose: "reset", ttlMs: 3_600_000, now: t.clock.now() }));
      const submitters = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const client = t.client(`10.79.${++addresses % 250}.${i + 1}`);
        await client.csrfToken();
        return client;
      }));
      return { members, token, submitters, admin: await browserOf(members.administrator), before: (await readUser(t.deps, members.user.id)).passwordHash };
    };
    type F = Awaited<ReturnType<typeof setup>>;
    const ops: Op<F>[] = [
      // Twenty submissions as one operation: its status is the best of them, and at most one may win.
      async (f) => {
        const statuses = (await Promise.all(f.submitters.map((c) => submitNewPassword(c, f.token)))).map((r) => r.status);
        expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
        return Math.min(...statuses);
      },
      async (f) => (await f.admin.post(`/api/v1/users/${f.members.user.id}/password-reset`)).status,
    ];
    const observe = async (f: F) => ({
      passwordChanged: (await readUser(t.deps, f.members.user.id)).passwordHash !== f.before,
      live: (await liveLinks(f.members.user.id)).length,
    });
    await expectOnlySerialOutcomes(setup, ops, observe, 4);
  });

  it("applies concurrent role changes by two administrators and a manager as if one after the other", async () => {
    const setup = async () => {
      const { company, users: members } = await createCompanyWithUsers(t.deps);
      const secondAdmin = await createUser(t.deps, company, { role: "administrator" });
      const [a1, a2, manager] = await Promise.all([browserOf(members.administrator), browserOf(secondAdmin), browserOf(members.manager)]);
      return { target: members.user, a1, a2, manager };
    };
    type F = Awaited<ReturnType<typeof setup>>;
    const setRole = (who: "a1" | "a2" | "manager", role: string): Op<F> => async (f) => (await f[who].put(`/api/v1/users/${f.target.id}/role`, { role })).status;
    // The manager may only touch a user or read-only user: whether it may depends on who went first.
    const ops = [setRole("a1", "manager"), setRole("a2", "read_only"), setRole("manager", "user")];
    await expectOnlySerialOutcomes(setup, ops, async (f) => (await readUser(t.deps, f.target.id)).role, 6);
  });

  /** A multi-company parent with an administrator, a second administrator, and a manager holding a grant for a linked company, switched into it. */
  async function linkedFixture() {
    const parent = await createCompany(t.deps, { name: "Race Parent" });
    await t.deps.db.update(companies).set({ isMultiCompany: true }).where(eq(companies.id, parent.id));
    const linked = await createCompany(t.deps, { name: "Race Linked", parentId: parent.id });
    const other = await createCompany(t.deps, { name: "Race Other Linked", parentId: parent.id });
    const admin = await createUser(t.deps, parent, { role: "administrator" });
    const secondAdmin = await createUser(t.deps, parent, { role: "administrator" });
    const member = await createUser(t.deps, parent, { role: "manager" });
    await t.deps.db.insert(managementGrants).values({ teamMemberId: member.id, companyId: linked.id });
    const linkedUser = await createUser(t.deps, linked, { role: "user" });
    const memberBrowser = await browserOf(member);
    const switched = await memberBrowser.post("/api/v1/session/switch", { companyId: linked.id });
    if (switched.status !== 200) throw new Error(`switch answered ${switched.status}`);
    return { parent, linked, other, member, linkedUser, memberBrowser, admin: await browserOf(admin), secondAdmin: await browserOf(secondAdmin) };
  }
  type Linked = Awaited<ReturnType<typeof linkedFixture>>;
  const grantsOf = async (f: Linked) =>
    (await t.deps.db.select({ companyId: managementGrants.companyId }).from(managementGrants).where(eq(managementGrants.teamMemberId, f.member.id)))
      .map((g) => (g.companyId === f.linked.id ? "linked" : "other"))
      .sort();

  it("never leaves a live link sent through a grant that was revoked at the same moment", async () => {
    const ops: Op<Linked>[] = [
      async (f) => (await f.admin.delete(`/api/v1/users/${f.member.id}/managed-companies/${f.linked.id}`)).status,
      async (f) => (await f.memberBrowser.post(`/api/v1/users/${f.linkedUser.id}/password-reset`)).status,
    ];
    const observe = async (f: Linked) => ({
      grants: await grantsOf(f),
      liveLinksFromMember: (await liveLinks(f.linkedUser.id)).filter((l) => l.requestedByUserId === f.member.id).length,
    });
    await expectOnlySerialOutcomes(linkedFixture, ops, observe, 10);
  });

  it("never leaves a live link sent by the parent's administrator into a company the operator un-links at the same moment", async () => {
    const setup = async () => {
      const f = await linkedFixture();
      const switched = await f.admin.post("/api/v1/session/switch", { companyId: f.linked.id });
      if (switched.status !== 200) throw new Error(`switch answered ${switched.status}`);
      return f;
    };
    const ops: Op<Linked>[] = [
      async (f) => ((await unlinkCompany(t.deps.db, t.deps.jobs, { childId: f.linked.id, now: t.clock.now() })).ok ? 200 : 409),
      async (f) => (await f.admin.post(`/api/v1/users/${f.linkedUser.id}/password-reset`)).status,
    ];
    const observe = async (f: Linked) => ({
      linked: (await t.deps.db.select({ parentId: companies.parentId }).from(companies).where(eq(companies.id, f.linked.id)))[0]?.parentId === f.parent.id,
      liveLinksFromParent: (await liveLinks(f.linkedUser.id)).filter((l) => l.requestedByCompanyId === f.parent.id).length,
    });
    await expectOnlySerialOutcomes(setup, ops, observe, 10);
  });

  it("never leaves a grant with a member lowered below manager at the same moment", async () => {
    const ops: Op<Linked>[] = [
      async (f) => (await f.admin.put(`/api/v1/users/${f.member.id}/managed-companies/${f.other.id}`)).status,
      async (f) => (await f.secondAdmin.put(`/api/v1/users/${f.member.id}/role`, { role: "user" })).status,
    ];
    const observe = async (f: Linked) => ({ role: (await readUser(t.deps, f.member.id)).role, grants: await grantsOf(f) });
    await expectOnlySerialOutcomes(linkedFixture, ops, observe, 10);
  });

  it("counts every one of twenty concurrent wrong passwords for one account: at most ten are tried, the rest get 429", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const client = t.client("10.80.0.1");
    await client.csrfToken();
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.post("/api/v1/auth/login", { email: members.user.email, password: "a wrong guess, tried in parallel" })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // The user is not locked out for good: the right password from another client still works.
    expect((await t.client("10.80.0.2").post("/api/v1/auth/login", { email: members.user.email, password: FACTORY_PASSWORD })).status).toBe(200);
  });
});
