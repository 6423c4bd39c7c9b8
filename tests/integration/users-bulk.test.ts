import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emails, users } from "../../src/db/schema.ts";
import { createCompany, createCompanyWithUsers, createUser, signIn, type SeedUser } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ worker: false });
});
afterAll(async () => {
  await t?.close();
});

const emailsTo = async (user: SeedUser) => (await t.deps.db.select({ id: emails.id }).from(emails).where(eq(emails.userId, user.id))).length;
const statusOf = async (user: SeedUser) => (await t.deps.db.select({ status: users.status }).from(users).where(eq(users.id, user.id)))[0]?.status;

describe("POST /api/v1/users/bulk", () => {
  it("gives a result per user in the order given, under the single-user rules: a manager deactivates users, not an administrator nor another company's user", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const other = await createCompanyWithUsers(t.deps);
    const manager = await signIn(t, members.manager);
    const ids = [members.user.id, members.administrator.id, other.users.user.id, members.read_only.id, members.manager.id];
    const reply = await manager.post("/api/v1/users/bulk", { action: "deactivate", ids });
    expect(reply.status).toBe(200);
    expect(reply.body.results.map((r: { id: string }) => r.id)).toEqual(ids);
    expect(reply.body.results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error?.code))).toEqual(["ok", "FORBIDDEN", "NOT_FOUND", "ok", "CANNOT_ACT_ON_SELF"]);
    expect(reply.body).toMatchObject({ succeeded: 2, failed: 3 });
    expect(await Promise.all([members.user, members.administrator, other.users.user, members.read_only].map(statusOf))).toEqual(["deactivated", "active", "active", "deactivated"]);
  });

  it("sends a reset link to each user the actor may reset, and none to the others", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const other = await createCompanyWithUsers(t.deps);
    const manager = await signIn(t, members.manager);
    const reply = await manager.post("/api/v1/users/bulk", { action: "resetPassword", ids: [members.user.id, members.administrator.id, other.users.user.id, members.manager.id] });
    expect(reply.body.results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error?.code))).toEqual(["ok", "ok", "NOT_FOUND", "CANNOT_ACT_ON_SELF"]);
    expect(await Promise.all([members.user, members.administrator, other.users.user, members.manager].map(emailsTo))).toEqual([1, 1, 0, 0]);
  });

  it("deactivates and restores many, and says which were already so", async () => {
    const { company, users: members } = await createCompanyWithUsers(t.deps);
    const gone = await createUser(t.deps, company, { status: "deactivated" });
    const admin = await signIn(t, members.administrator);
    const off = await admin.post("/api/v1/users/bulk", { action: "deactivate", ids: [members.user.id, gone.id, members.administrator.id] });
    expect(off.status).toBe(200);
    expect(off.body.results[0]).toEqual({ id: members.user.id, ok: true });
    expect(off.body.results[1]).toEqual({ id: gone.id, ok: false, error: { code: "USER_ALREADY_DEACTIVATED", message: "This user is already deactivated." } });
    // Nobody deactivates themselves, in bulk or not.
    expect(off.body.results[2].ok).toBe(false);
    expect(await statusOf(members.user)).toBe("deactivated");
    expect(await statusOf(members.administrator)).toBe("active");
    const on = await admin.post("/api/v1/users/bulk", { action: "restore", ids: [members.user.id, gone.id, members.manager.id] });
    expect(on.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, false]);
    expect(on.body.results[2].error.code).toBe("USER_ALREADY_ACTIVE");
    expect(await statusOf(gone)).toBe("active");
  });

  it("resends invitations only to those who never set a password", async () => {
    const { company, users: members } = await createCompanyWithUsers(t.deps);
    const invited = await createUser(t.deps, company, { withPassword: false });
    const admin = await signIn(t, members.administrator);
    const reply = await admin.post("/api/v1/users/bulk", { action: "resendInvitation", ids: [invited.id, members.user.id] });
    expect(reply.body.results.map((r: { ok: boolean; error?: { code: string } }) => (r.ok ? "ok" : r.error?.code))).toEqual(["ok", "INVITATION_NOT_NEEDED"]);
    expect(await emailsTo(invited)).toBe(1);
    expect(await emailsTo(members.user)).toBe(0);
  });

  it("refuses the whole batch to a role without the permission, and to a deactivated actor, changing nothing", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const reader = await signIn(t, members.read_only);
    for (const action of ["deactivate", "restore", "resendInvitation", "resetPassword"]) {
      const reply = await reader.post("/api/v1/users/bulk", { action, ids: [members.user.id] });
      expect(reply.status, action).toBe(403);
      expect(reply.body.error.code).toBe("FORBIDDEN");
    }
    const manager = await signIn(t, members.manager);
    const admin = await signIn(t, members.administrator);
    expect((await admin.post(`/api/v1/users/${members.manager.id}/deactivate`)).status).toBe(200);
    const late = await manager.post("/api/v1/users/bulk", { action: "deactivate", ids: [members.user.id] });
    expect(late.status).toBe(401);
    expect(await statusOf(members.user)).toBe("active");
    expect(await emailsTo(members.user)).toBe(0);
  });

  it.each([
    ["no ids", { action: "deactivate", ids: [] }, "Choose at least one user."],
    ["101 ids", { action: "deactivate", ids: Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`) }, "Choose at most 100 users at a time."],
    ["an id twice", { action: "deactivate", ids: ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000001"] }, "Each user may be named only once."],
    ["an id that is no id", { action: "deactivate", ids: ["nope"] }, "Not a valid id."],
    ["an unknown action", { action: "delete", ids: ["00000000-0000-4000-8000-000000000001"] }, "action"],
    ["no action", { ids: ["00000000-0000-4000-8000-000000000001"] }, "action"],
    ["an extra field", { action: "deactivate", ids: ["00000000-0000-4000-8000-000000000001"], force: true }, "force"],
  ])("refuses %s with a 400 in words, before acting on anyone", async (_label, body, words) => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, members.administrator);
    const reply = await admin.post("/api/v1/users/bulk", body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe("VALIDATION_FAILED");
    expect(reply.body.error.message).toContain(words);
  });

  it("never acts on another company's users, whatever the action", async () => {
    const { users: members } = await createCompanyWithUsers(t.deps);
    const elsewhere = await createCompany(t.deps);
    const victim = await createUser(t.deps, elsewhere, { status: "deactivated", withPassword: false });
    const victim2 = await createUser(t.deps, elsewhere, {});
    const admin = await signIn(t, members.administrator);
    for (const action of ["deactivate", "restore", "resendInvitation", "resetPassword"]) {
      const reply = await admin.post("/api/v1/users/bulk", { action, ids: [victim.id, victim2.id] });
      expect(reply.status).toBe(200);
      expect(reply.body.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual(["NOT_FOUND", "NOT_FOUND"]);
    }
    expect(await statusOf(victim)).toBe("deactivated");
    expect(await statusOf(victim2)).toBe("active");
    expect((await emailsTo(victim)) + (await emailsTo(victim2))).toBe(0);
  });
});
