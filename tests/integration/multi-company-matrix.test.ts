import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companies, emails, users } from "../../src/db/schema.ts";
import type { Role } from "../../src/features/access/roles.ts";
import type { Reply, TestClient } from "../support/client.ts";
import { countEmails, createCompany, createUser, signIn, snapshotCompany, type SeedCompany, type SeedUser } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/**
 * Issue 4's authorization matrix: actor role × the actor's relation to the target's company ×
 * action. The expectations are written out here from PRODUCT.md sections 2–3 and decision 0008,
 * not imported from src/, so a wrong rule in the code fails this test.
 */
const ROLES: Role[] = ["administrator", "manager", "user", "read_only"];
const RELATIONS = [
  "same company",
  "parent with grant",
  "parent without grant",
  "parent with a revoked grant",
  "sibling linked company",
  "linked company acting on its parent",
  "unrelated company",
] as const;
type Relation = (typeof RELATIONS)[number];
const PARENT_RELATIONS: Relation[] = ["parent with grant", "parent without grant", "parent with a revoked grant"];

/** Whether the actor may work in the target company at all (before the roles table applies). */
function relationAllows(relation: Relation, role: Role): boolean {
  if (relation === "same company") return true;
  if (relation === "parent with grant") return role === "administrator" || role === "manager";
  // The parent's administrator manages every linked company without a grant (decision 0008).
  if (relation === "parent without grant" || relation === "parent with a revoked grant") return role === "administrator";
  return false;
}
const mayManageUsers = (role: Role) => role === "administrator" || role === "manager";

let t: TestApp;
let parent: SeedCompany;
let linked: SeedCompany;
let sibling: SeedCompany;
let unrelated: SeedCompany;
let parentAdmin: TestClient;
let counter = 0;

interface Seat {
  relation: Relation;
  role: Role;
  user: SeedUser;
  client: TestClient;
  /** The company whose users the actor tries to reach. */
  target: SeedCompany;
  switchStatus: number;
}
const seats: Seat[] = [];

const giveGrant = (memberId: string, companyId: string) => parentAdmin.put(`/api/v1/users/${memberId}/managed-companies/${companyId}`);
const revokeGrant = (memberId: string, companyId: string) => parentAdmin.delete(`/api/v1/users/${memberId}/managed-companies/${companyId}`);

beforeAll(async () => {
  t = await startTestApp();
  parent = await createCompany(t.deps, { name: "Parent Agency" });
  await t.deps.db.update(companies).set({ isMultiCompany: true, linkedAllowance: 10 }).where(eq(companies.id, parent.id));
  linked = await createCompany(t.deps, { name: "Linked Client", parentId: parent.id });
  sibling = await createCompany(t.deps, { name: "Sibling Client", parentId: parent.id });
  unrelated = await createCompany(t.deps, { name: "Unrelated Inc" });
  parentAdmin = await signIn(t, await createUser(t.deps, parent, { role: "administrator" }));

  const homeOf: Record<Relation, SeedCompany> = {
    "same company": linked,
    "parent with grant": parent,
    "parent without grant": parent,
    "parent with a revoked grant": parent,
    "sibling linked company": sibling,
    "linked company acting on its parent": linked,
    "unrelated company": unrelated,
  };
  for (const relation of RELATIONS) {
    for (const role of ROLES) {
      const user = await createUser(t.deps, homeOf[relation], { role });
      const target = relation === "linked company acting on its parent" ? parent : linked;
      const grants = relation === "parent with grant" || relation === "parent with a revoked grant";
      if (grants && (role === "administrator" || role === "manager")) expect((await giveGrant(user.id, linked.id)).status).toBe(200);
      const client = await signIn(t, user);
      // Work in the target company the only way the product offers: switching into it.
      const switchStatus = relation === "same company" ? 200 : (await client.post("/api/v1/session/switch", { companyId: target.id })).status;
      if (relation === "parent with a revoked grant" && (role === "administrator" || role === "manager")) {
        expect((await revokeGrant(user.id, linked.id)).status).toBe(200);
      }
      seats.push({ relation, role, user, client, target, switchStatus });
    }
  }
});

afterAll(async () => {
  await t?.close();
});

async function freshTarget(company: SeedCompany, status: "active" | "deactivated" = "active") {
  return createUser(t.deps, company, { role: "user", name: `Target ${++counter}`, status });
}

interface Action {
  name: string;
  act(seat: Seat, target: SeedUser): Promise<Reply>;
  targetStatus?: "deactivated";
  /** Emails an allowed cell queues. */
  emails?: number;
  verify(seat: Seat, target: SeedUser, reply: Reply): Promise<void>;
}

const ACTIONS: Action[] = [
  {
    name: "trigger a password reset",
    act: (s, target) => s.client.post(`/api/v1/users/${target.id}/password-reset`),
    emails: 1,
    verify: async (_s, target, reply) => {
      expect(reply.status).toBe(202);
      const sent = await t.deps.db.select().from(emails).where(and(eq(emails.userId, target.id), eq(emails.kind, "password_reset")));
      expect(sent.map((e) => e.toAddress)).toEqual([target.email]);
    },
  },
  {
    name: "view the user",
    act: (s, target) => s.client.get(`/api/v1/users/${target.id}`),
    verify: async (_s, target, reply) => expect(reply.body.user.id).toBe(target.id),
  },
  {
    name: "change the user's role",
    act: (s, target) => s.client.put(`/api/v1/users/${target.id}/role`, { role: "read_only" }),
    verify: async (_s, target) => expect((await t.deps.db.select().from(users).where(eq(users.id, target.id)))[0]?.role).toBe("read_only"),
  },
  {
    name: "deactivate the user",
    act: (s, target) => s.client.post(`/api/v1/users/${target.id}/deactivate`),
    verify: async (_s, target) => expect((await t.deps.db.select().from(users).where(eq(users.id, target.id)))[0]?.status).toBe("deactivated"),
  },
  {
    name: "restore the user",
    targetStatus: "deactivated",
    act: (s, target) => s.client.post(`/api/v1/users/${target.id}/restore`),
    verify: async (_s, target) => expect((await t.deps.db.select().from(users).where(eq(users.id, target.id)))[0]?.status).toBe("active"),
  },
];

describe("switching into the target company", () => {
  it.each(RELATIONS.flatMap((relation) => ROLES.map((role) => ({ relation, role }))))(
    "$role, $relation: switch answers as the rules say",
    ({ relation, role }) => {
      const seat = seats.find((s) => s.relation === relation && s.role === role);
      if (relation === "same company") return;
      const expected = relation === "parent with a revoked grant" ? (role === "administrator" || role === "manager" ? 200 : 404) : relationAllows(relation, role) ? 200 : 404;
      expect(seat?.switchStatus).toBe(expected);
    },
  );
});

describe.each(ACTIONS)("$name", (action) => {
  it.each(RELATIONS.flatMap((relation) => ROLES.map((role) => ({ relation, role }))))("$role, $relation", async ({ relation, role }) => {
    const seat = seats.find((s) => s.relation === relation && s.role === role);
    if (!seat) throw new Error("no seat");
    const target = await freshTarget(seat.target, action.targetStatus);
    const before = await snapshotCompany(t.deps, seat.target.id);
    const emailsBefore = await countEmails(t.deps);
    const reply = await action.act(seat, target);
    if (relationAllows(relation, role) && (action.name === "view the user" || mayManageUsers(role))) {
      await action.verify(seat, target, reply);
      expect((await countEmails(t.deps)) - emailsBefore).toBe(action.emails ?? 0);
      return;
    }
    // Out of reach looks like missing (404); within reach, the roles table refuses (403).
    expect(reply.status).toBe(relationAllows(relation, role) ? 403 : 404);
    expect(reply.body.error.code).toBe(relationAllows(relation, role) ? "FORBIDDEN" : "NOT_FOUND");
    expect(await snapshotCompany(t.deps, seat.target.id)).toEqual(before);
    expect(await countEmails(t.deps)).toBe(emailsBefore);
  });
});

describe("list users", () => {
  it.each(RELATIONS.flatMap((relation) => ROLES.map((role) => ({ relation, role }))))("$role, $relation", async ({ relation, role }) => {
    const seat = seats.find((s) => s.relation === relation && s.role === role);
    if (!seat) throw new Error("no seat");
    const target = await freshTarget(seat.target);
    const reply = await seat.client.get(`/api/v1/users?q=${encodeURIComponent(target.name)}`);
    expect(reply.status).toBe(200);
    const ids = reply.body.users.map((u: { id: string }) => u.id);
    if (relationAllows(relation, role)) expect(ids).toEqual([target.id]);
    else expect(ids).not.toContain(target.id);
  });
});

describe("create a user", () => {
  it.each(RELATIONS.flatMap((relation) => ROLES.map((role) => ({ relation, role }))))("$role, $relation", async ({ relation, role }) => {
    const seat = seats.find((s) => s.relation === relation && s.role === role);
    if (!seat) throw new Error("no seat");
    const before = await snapshotCompany(t.deps, seat.target.id);
    const reply = await seat.client.post("/api/v1/users", { name: `Created ${++counter}`, email: `created.${counter}@matrix.test`, role: "user" });
    if (relationAllows(relation, role) && mayManageUsers(role)) {
      expect(reply.status).toBe(201);
      expect(reply.body.user.company.id).toBe(seat.target.id);
      return;
    }
    if (relationAllows(relation, role)) expect(reply.status).toBe(403);
    // An admin or manager out of reach creates in their own company instead; nothing lands in the target.
    expect((await snapshotCompany(t.deps, seat.target.id)).users).toEqual(before.users);
    if (reply.status === 201) expect(reply.body.user.company.id).toBe(seat.user.companyId);
  });
});

describe("give a management grant for the linked company", () => {
  /** Grants are given from the parent's side: switched back to the actor's own company. */
  function expected(relation: Relation, role: Role): number {
    if (!PARENT_RELATIONS.includes(relation)) return 404;
    if (!mayManageUsers(role)) return 403;
    // The actor must be able to manage the company themselves.
    return relationAllows(relation, role) ? 200 : 404;
  }
  it.each(RELATIONS.flatMap((relation) => ROLES.map((role) => ({ relation, role }))))("$role, $relation", async ({ relation, role }) => {
    const seat = seats.find((s) => s.relation === relation && s.role === role);
    if (!seat) throw new Error("no seat");
    await seat.client.post("/api/v1/session/switch-back");
    const grantee = await createUser(t.deps, parent, { role: "manager" });
    const reply = await seat.client.put(`/api/v1/users/${grantee.id}/managed-companies/${linked.id}`);
    expect(reply.status).toBe(expected(relation, role));
    const grants = await parentAdmin.get(`/api/v1/users/${grantee.id}/managed-companies`);
    const granted = grants.body.companies.find((c: { id: string }) => c.id === linked.id)?.granted;
    expect(granted).toBe(reply.status === 200);
    // Back into the target company for any later describe block.
    if (seat.relation !== "same company") await seat.client.post("/api/v1/session/switch", { companyId: seat.target.id });
  });
});
