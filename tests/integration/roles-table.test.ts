import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { emails } from "../../src/db/schema.ts";
import type { Role } from "../../src/features/access/roles.ts";
import type { Reply, TestClient } from "../support/client.ts";
import { createCompany, createUser, readUser, signIn, snapshotCompany, type SeedCompany, type SeedUser } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

/**
 * PRODUCT.md section 2, cell by cell. The rules are copied here by hand, not imported from
 * src/features/access, so a wrong rule in the code fails this test instead of being mirrored by it.
 */
const ROLES: Role[] = ["administrator", "manager", "user", "read_only"];
const ADMIN_AND_MANAGER: Role[] = ["administrator", "manager"];
/** Whom each role may edit, deactivate, restore or change the role of (decision 0004). */
const MANAGED: Record<Role, Role[]> = { administrator: ["manager", "user", "read_only"], manager: ["user", "read_only"], user: [], read_only: [] };
/** Which roles each role may give, creating a user or changing a role ("up to manager", "up to user"). */
const GIVES: Record<Role, Role[]> = { administrator: ["manager", "user", "read_only"], manager: ["user", "read_only"], user: [], read_only: [] };

interface Cell {
  actor: Role;
  /** The other user acted on, when the task has one. */
  target?: Role;
  /** The role given (create, change role). */
  role?: Role;
}
type Expected = { ok: true } | { ok: false; status: number; code: string };
const ok: Expected = { ok: true };
const refused = (code: string, status = 403): Expected => ({ ok: false, status, code });

interface World {
  company: SeedCompany;
  actor: SeedUser;
  /** The other user; the actor themselves for the "own account" tasks. */
  target: SeedUser;
  client: TestClient;
}

interface Task {
  name: (cell: Cell) => string;
  cells: Cell[];
  expected: (cell: Cell) => Expected;
  /** The state the target starts in. */
  targetStatus?: "deactivated";
  actOnSelf?: boolean;
  act: (world: World, cell: Cell) => Promise<Reply>;
  /** For allowed cells: prove the change happened. */
  verify: (world: World, cell: Cell, reply: Reply) => Promise<void>;
  /** Emails an allowed cell queues. */
  emails?: number;
}

const byActor = ROLES.map((actor) => ({ actor }));
const byActorTarget = ROLES.flatMap((actor) => ROLES.map((target) => ({ actor, target })));
const byActorRole = ROLES.flatMap((actor) => ROLES.map((role) => ({ actor, role })));
const byActorTargetRole = ROLES.flatMap((actor) => ROLES.flatMap((target) => ROLES.map((role) => ({ actor, target, role }))));
const role = (cell: Cell): Role => cell.role ?? "user";
const a = (r: Role) => ({ administrator: "an administrator", manager: "a manager", user: "a user", read_only: "a read-only user" })[r];
const target = (cell: Cell): Role => cell.target ?? "user";

/** A task on another user: refused outright without the permission, then by the target's role. */
const onManagedTarget = (cell: Cell): Expected =>
  !ADMIN_AND_MANAGER.includes(cell.actor) || !MANAGED[cell.actor].includes(target(cell)) ? refused("FORBIDDEN") : ok;

let t: TestApp;
let counter = 0;

const TASKS: Task[] = [
  {
    name: (c) => `${c.actor} views the company profile`,
    cells: byActor,
    expected: () => ok,
    act: (w) => w.client.get("/api/v1/company"),
    verify: async (w, _c, reply) => expect(reply.body.company).toMatchObject({ id: w.company.id, name: w.company.name }),
  },
  {
    name: (c) => `${c.actor} views and searches the company's users`,
    cells: byActor,
    expected: () => ok,
    act: (w) => w.client.get(`/api/v1/users?q=${encodeURIComponent(w.target.name.slice(0, 6))}`),
    verify: async (w, _c, reply) => expect(reply.body.users.map((u: { id: string }) => u.id)).toContain(w.target.id),
  },
  {
    name: (c) => `${c.actor} renames the company`,
    cells: byActor,
    expected: (c) => (c.actor === "administrator" ? ok : refused("FORBIDDEN")),
    act: (w) => w.client.patch("/api/v1/company", { name: `${w.company.name} renamed` }),
    verify: async (w) => expect((await snapshotCompany(t.deps, w.company.id)).company?.name).toBe(`${w.company.name} renamed`),
  },
  {
    name: (c) => `${c.actor} updates the company's contact information`,
    cells: byActor,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? ok : refused("FORBIDDEN")),
    act: (w) => w.client.patch("/api/v1/company", { contactEmail: "desk@contact.test", phone: "+44 20 7946 0000", address: "1 High Street\nLondon" }),
    verify: async (w) =>
      expect((await snapshotCompany(t.deps, w.company.id)).company).toMatchObject({ contactEmail: "desk@contact.test", phone: "+44 20 7946 0000", address: "1 High Street\nLondon" }),
  },
  {
    name: (c) => `${c.actor} deletes the company`,
    cells: byActor,
    expected: (c) => (c.actor === "administrator" ? ok : refused("FORBIDDEN")),
    act: (w) => w.client.post("/api/v1/company/delete", { confirmName: w.company.name }),
    verify: async (w) => expect((await snapshotCompany(t.deps, w.company.id)).company?.deletedAt).toBeInstanceOf(Date),
  },
  {
    name: (c) => `${c.actor} creates a user with role ${role(c)}`,
    cells: byActorRole,
    expected: (c) => (!ADMIN_AND_MANAGER.includes(c.actor) ? refused("FORBIDDEN") : GIVES[c.actor].includes(role(c)) ? ok : refused("ROLE_NOT_ALLOWED")),
    act: (w, c) => w.client.post("/api/v1/users", { name: `New ${role(c)}`, email: `new.${++counter}@created.test`, role: role(c) }),
    verify: async (w, c, reply) => {
      expect(reply.status).toBe(201);
      const created = await readUser(t.deps, reply.body.user.id);
      expect(created).toMatchObject({ companyId: w.company.id, role: role(c), passwordHash: null });
      const invitations = await t.deps.db.select().from(emails).where(and(eq(emails.userId, created.id), eq(emails.kind, "invitation")));
      expect(invitations.map((e) => e.toAddress)).toEqual([created.email]);
    },
    emails: 1,
  },
  {
    name: (c) => `${c.actor} changes the name of ${a(target(c))}`,
    cells: byActorTarget,
    expected: onManagedTarget,
    act: (w) => w.client.patch(`/api/v1/users/${w.target.id}`, { name: "Renamed Person" }),
    verify: async (w) => expect((await readUser(t.deps, w.target.id)).name).toBe("Renamed Person"),
  },
  {
    name: (c) => `${c.actor} changes the email of ${a(target(c))}`,
    cells: byActorTarget,
    expected: onManagedTarget,
    act: (w) => w.client.patch(`/api/v1/users/${w.target.id}`, { email: `moved.${w.target.id.slice(0, 8)}@changed.test` }),
    verify: async (w) => {
      expect((await readUser(t.deps, w.target.id)).email).toBe(`moved.${w.target.id.slice(0, 8)}@changed.test`);
      // The old address is told of the change (decision 0021).
      const notices = await t.deps.db.select().from(emails).where(and(eq(emails.userId, w.target.id), eq(emails.kind, "email_changed")));
      expect(notices.map((n) => n.toAddress)).toEqual([w.target.email]);
    },
    emails: 1,
  },
  {
    name: (c) => `${c.actor} changes the role of ${a(target(c))} to ${role(c)}`,
    cells: byActorTargetRole,
    expected: (c) => {
      const first = onManagedTarget(c);
      if (!first.ok) return first;
      return GIVES[c.actor].includes(role(c)) ? ok : refused("ROLE_NOT_ALLOWED");
    },
    act: (w, c) => w.client.put(`/api/v1/users/${w.target.id}/role`, { role: role(c) }),
    verify: async (w, c) => expect((await readUser(t.deps, w.target.id)).role).toBe(role(c)),
  },
  {
    name: (c) => `${c.actor} deactivates ${a(target(c))}`,
    cells: byActorTarget,
    expected: onManagedTarget,
    act: (w) => w.client.post(`/api/v1/users/${w.target.id}/deactivate`),
    verify: async (w) => expect(await readUser(t.deps, w.target.id)).toMatchObject({ status: "deactivated" }),
  },
  {
    name: (c) => `${c.actor} restores ${a(target(c))} who was deactivated`,
    cells: byActorTarget,
    targetStatus: "deactivated",
    expected: onManagedTarget,
    act: (w) => w.client.post(`/api/v1/users/${w.target.id}/restore`),
    verify: async (w) => expect(await readUser(t.deps, w.target.id)).toMatchObject({ status: "active", passwordHash: null }),
  },
  {
    name: (c) => `${c.actor} changes their own role`,
    cells: byActor,
    actOnSelf: true,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? refused("CANNOT_CHANGE_OWN_ROLE") : refused("FORBIDDEN")),
    act: (w) => w.client.put(`/api/v1/users/${w.actor.id}/role`, { role: w.actor.role === "read_only" ? "user" : "read_only" }),
    verify: async () => {},
  },
  {
    name: (c) => `${c.actor} deactivates themselves`,
    cells: byActor,
    actOnSelf: true,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? refused("CANNOT_ACT_ON_SELF") : refused("FORBIDDEN")),
    act: (w) => w.client.post(`/api/v1/users/${w.actor.id}/deactivate`),
    verify: async () => {},
  },
  {
    name: (c) => `${c.actor} edits themselves through the users routes`,
    cells: byActor,
    actOnSelf: true,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? refused("CANNOT_ACT_ON_SELF") : refused("FORBIDDEN")),
    act: (w) => w.client.patch(`/api/v1/users/${w.actor.id}`, { email: "self.renamed@changed.test" }),
    verify: async () => {},
  },
  {
    // "Trigger a password reset for another user": administrators and managers, for any other user
    // of the company whatever their role — the link goes to the target's own address (decision 0004).
    name: (c) => `${c.actor} triggers a password reset for ${a(target(c))}`,
    cells: byActorTarget,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? ok : refused("FORBIDDEN")),
    act: (w) => w.client.post(`/api/v1/users/${w.target.id}/password-reset`),
    verify: async (w, _c, reply) => {
      expect(reply.status).toBe(202);
      const after = await snapshotCompany(t.deps, w.company.id);
      const link = after.links.find((l) => l.id === reply.body.reset.id);
      expect(link).toMatchObject({ userId: w.target.id, purpose: "reset", requestedByUserId: w.actor.id, usedAt: null });
      const [queued] = await t.deps.db.select().from(emails).where(and(eq(emails.linkTokenId, reply.body.reset.id), eq(emails.kind, "password_reset")));
      expect(queued?.toAddress).toBe(w.target.email);
    },
    emails: 1,
  },
  {
    name: (c) => `${c.actor} triggers a password reset for a deactivated ${target(c)}`,
    cells: byActorTarget,
    targetStatus: "deactivated",
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? refused("USER_DEACTIVATED", 409) : refused("FORBIDDEN")),
    act: (w) => w.client.post(`/api/v1/users/${w.target.id}/password-reset`),
    verify: async () => {},
  },
  {
    name: (c) => `${c.actor} triggers a password reset for themselves through the users routes`,
    cells: byActor,
    actOnSelf: true,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? refused("CANNOT_ACT_ON_SELF") : refused("FORBIDDEN")),
    act: (w) => w.client.post(`/api/v1/users/${w.actor.id}/password-reset`),
    verify: async () => {},
  },
  {
    name: (c) => `${c.actor} emails themselves a reset link from account settings`,
    cells: byActor,
    actOnSelf: true,
    expected: () => ok,
    act: (w) => w.client.post("/api/v1/account/password-reset"),
    verify: async (w) => {
      const after = await snapshotCompany(t.deps, w.company.id);
      expect(after.links.filter((l) => l.userId === w.actor.id && l.purpose === "reset" && l.requestedByUserId === w.actor.id)).toHaveLength(1);
    },
    emails: 1,
  },
  {
    name: (c) => `${c.actor} views the password-reset history of ${a(target(c))}`,
    cells: byActorTarget,
    expected: (c) => (ADMIN_AND_MANAGER.includes(c.actor) ? ok : refused("FORBIDDEN")),
    act: (w) => w.client.get(`/api/v1/users/${w.target.id}/password-resets`),
    verify: async (_w, _c, reply) => expect(reply.body.resets).toEqual([]),
  },
];

async function world(task: Task, cell: Cell): Promise<World> {
  const company = await createCompany(t.deps);
  const actor = await createUser(t.deps, company, { role: cell.actor });
  const target = task.actOnSelf
    ? actor
    : await createUser(t.deps, company, { role: cell.target ?? "user", name: `Target ${++counter}`, status: task.targetStatus ?? "active" });
  return { company, actor, target, client: await signIn(t, actor) };
}

describe("the roles table (PRODUCT.md section 2), every cell", () => {
  beforeAll(async () => {
    t = await startTestApp({ worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  for (const task of TASKS) {
    for (const cell of task.cells) {
      const expected = task.expected(cell);
      const title = `${task.name(cell)}: ${expected.ok ? "allowed" : `refused (${expected.code}), nothing changes, nothing is sent`}`;
      it(title, async () => {
        const w = await world(task, cell);
        const before = await snapshotCompany(t.deps, w.company.id);
        const reply = await task.act(w, cell);
        const after = await snapshotCompany(t.deps, w.company.id);
        if (expected.ok) {
          expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
          await task.verify(w, cell, reply);
          expect(after.emailCount - before.emailCount).toBe(task.emails ?? 0);
        } else {
          expect(reply.status).toBe(expected.status);
          expect(reply.body.error.code).toBe(expected.code);
          expect(after).toEqual(before);
        }
      });
    }
  }
});
