import { and, asc, desc, eq, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { auditEvents, emails, managementGrants, users } from "../../src/db/schema.ts";
import { linkCompany, markMultiCompany } from "../../src/features/linked-companies/link-company.ts";
import type { TestClient } from "../support/client.ts";
import { createCompany, createUser, factoryPasswordHash, signIn, type SeedCompany, type SeedUser } from "../support/factories.ts";
import { linksOf, submitNewPassword } from "../support/password-reset.ts";
import { waitForEmailStatus } from "../support/outbox.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;

// No email worker until a test starts one: the emails the lost authority sent are still pending
// when it is lost, and their links are read from the outbox.
beforeAll(async () => {
  t = await startTestApp({ worker: false });
});
afterAll(async () => {
  await t?.close();
});

let worlds = 0;

/** A multi-company parent with two linked companies, two administrators, a manager holding grants for both, and a user in each company. */
async function world() {
  worlds += 1;
  const parent = await createCompany(t.deps, { name: `Agency ${worlds}` });
  expect(await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 5, now: t.clock.now() })).toEqual({ ok: true });
  const linked: SeedCompany[] = [];
  for (const name of ["North", "South"]) {
    const company = await createCompany(t.deps, { name: `${name} Client ${worlds}` });
    expect(await linkCompany(t.deps.db, { parentId: parent.id, childId: company.id, now: t.clock.now() })).toEqual({ ok: true });
    linked.push(company);
  }
  const [north, south] = linked as [SeedCompany, SeedCompany];
  const admin = await createUser(t.deps, parent, { role: "administrator", name: `Avery Admin ${worlds}` });
  const secondAdmin = await createUser(t.deps, parent, { role: "administrator" });
  const manager = await createUser(t.deps, parent, { role: "manager", name: `Morgan Manager ${worlds}` });
  for (const company of linked) await t.deps.db.insert(managementGrants).values({ teamMemberId: manager.id, companyId: company.id, grantedByUserId: secondAdmin.id });
  const targets = {
    north: await createUser(t.deps, north, { role: "user" }),
    south: await createUser(t.deps, south, { role: "user" }),
    own: await createUser(t.deps, parent, { role: "user" }),
  };
  const secondAdminBrowser = await signIn(t, secondAdmin);
  return { parent, north, south, admin, secondAdmin, manager, targets, secondAdminBrowser };
}
type World = Awaited<ReturnType<typeof world>>;

/** The raw token of the newest link emailed to a user, read from the still-pending outbox row. */
async function pendingLinkTo(user: SeedUser) {
  const [row] = await t.deps.db
    .select()
    .from(emails)
    .where(and(eq(emails.userId, user.id), isNotNull(emails.linkTokenId)))
    .orderBy(desc(emails.createdAt))
    .limit(1);
  const token = /#token=([A-Za-z0-9_-]{43})/.exec(row?.text ?? "")?.[1];
  if (!row || !token) throw new Error(`no pending link email to ${user.email}`);
  expect(row.status).toBe("queued");
  return { emailId: row.id, token };
}

/** The member sends a reset link into each linked company (switched in) and one in their own company. */
async function sendLinksAs(w: World, member: SeedUser) {
  const browser = await signIn(t, member);
  const sendInto = async (companyId: string, target: SeedUser) => {
    expect((await browser.post("/api/v1/session/switch", { companyId })).status).toBe(200);
    expect((await browser.post(`/api/v1/users/${target.id}/password-reset`)).status).toBe(202);
    expect((await browser.post("/api/v1/session/switch-back")).status).toBe(200);
  };
  await sendInto(w.north.id, w.targets.north);
  await sendInto(w.south.id, w.targets.south);
  expect((await browser.post(`/api/v1/users/${w.targets.own.id}/password-reset`)).status).toBe(202);
  return {
    north: await pendingLinkTo(w.targets.north),
    south: await pendingLinkTo(w.targets.south),
    own: await pendingLinkTo(w.targets.own),
  };
}

async function operator(...argv: string[]) {
  const err: string[] = [];
  const code = await runCli(argv, { deps: t.deps, io: { out: () => {}, err: (line) => err.push(line) } });
  expect(code, err.join("\n")).toBe(0);
}

let clients = 0;
/** Each submission from its own client address, so the per-client submission limit never answers first. */
const submit = (token: string) => submitNewPassword(t.client(`10.77.${Math.floor(++clients / 250)}.${clients % 250}`), token);

interface Loss {
  name: string;
  /** Whose links: the parent administrator or the manager holding grants. */
  sender: "admin" | "manager";
  before?: (w: World) => Promise<void>;
  lose: (w: World) => Promise<void>;
  /** The linked companies where the links must survive. */
  kept: Array<"north" | "south">;
}

const LOSSES: Loss[] = [
  {
    name: "the operator lowers the parent's administrator to manager, with no grant",
    sender: "admin",
    lose: (w) => operator("set-role", "--email", w.admin.email, "--role", "manager"),
    kept: [],
  },
  {
    name: "the operator lowers the parent's administrator to manager, holding a grant for one linked company",
    sender: "admin",
    before: async (w) => {
      await t.deps.db.insert(managementGrants).values({ teamMemberId: w.admin.id, companyId: w.north.id, grantedByUserId: w.secondAdmin.id });
    },
    lose: (w) => operator("set-role", "--email", w.admin.email, "--role", "manager"),
    kept: ["north"],
  },
  {
    name: "the operator lowers the parent's administrator to user",
    sender: "admin",
    lose: (w) => operator("set-role", "--email", w.admin.email, "--role", "user"),
    kept: [],
  },
  {
    name: "an administrator lowers the manager to user",
    sender: "manager",
    lose: async (w) => expect((await w.secondAdminBrowser.put(`/api/v1/users/${w.manager.id}/role`, { role: "user" })).status).toBe(200),
    kept: [],
  },
  {
    name: "the operator lowers the manager to read-only",
    sender: "manager",
    lose: (w) => operator("set-role", "--email", w.manager.email, "--role", "read_only"),
    kept: [],
  },
  {
    name: "an administrator deactivates the manager",
    sender: "manager",
    lose: async (w) => expect((await w.secondAdminBrowser.post(`/api/v1/users/${w.manager.id}/deactivate`)).status).toBe(200),
    kept: [],
  },
];

describe("a lost authority takes the links it sent into linked companies with it (issue 14, item 6)", () => {
  it.each(LOSSES)("$name: links into companies no longer managed are refused and their pending emails dropped", async (loss) => {
    const w = await world();
    await loss.before?.(w);
    const sender = loss.sender === "admin" ? w.admin : w.manager;
    const sent = await sendLinksAs(w, sender);
    t.clock.advance(60_000);
    await loss.lose(w);

    for (const where of ["north", "south"] as const) {
      const target = w.targets[where];
      if (loss.kept.includes(where)) {
        expect((await linksOf(t, target.id)).map((l) => l.revokedAt)).toEqual([null]);
      } else {
        expect((await linksOf(t, target.id)).map((l) => l.revokedReason)).toEqual(["authority_lost"]);
        const refused = await submit(sent[where].token);
        expect(refused.status).toBe(410);
        expect(refused.body.error.code).toBe("LINK_REVOKED");
      }
    }
    // A link into the member's own company rests on the company's roles, not on the lost authority.
    const ownLink = await linksOf(t, w.targets.own.id);
    expect(ownLink.map((l) => l.revokedAt)).toEqual([null]);

    const worker = await t.startWorker();
    try {
      for (const where of ["north", "south"] as const) {
        const expected = loss.kept.includes(where) ? "sent" : "dropped";
        expect((await waitForEmailStatus(t.deps, sent[where].emailId, ["sent", "dropped", "failed"])).status).toBe(expected);
      }
      expect((await waitForEmailStatus(t.deps, sent.own.emailId, ["sent", "dropped", "failed"])).status).toBe("sent");
    } finally {
      await worker.stop();
    }
    for (const where of loss.kept) expect((await submit(sent[where].token)).status).toBe(200);
  });

  it("deactivation drops the member's grants, each audited with why; a restore brings none back and the linked companies stay closed", async () => {
    const w = await world();
    const memberBrowser = await signIn(t, w.manager);
    expect((await memberBrowser.post("/api/v1/session/switch", { companyId: w.north.id })).status).toBe(200);
    t.clock.advance(60_000);
    expect((await w.secondAdminBrowser.post(`/api/v1/users/${w.manager.id}/deactivate`)).status).toBe(200);
    expect(await t.deps.db.select().from(managementGrants).where(eq(managementGrants.teamMemberId, w.manager.id))).toEqual([]);
    const audit = await t.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "grant.revoked"), eq(auditEvents.targetUserId, w.manager.id)))
      .orderBy(asc(auditEvents.id));
    expect(audit.map((row) => ({ actor: row.actorUserId, company: row.targetCompanyId, reason: row.details.reason })).sort((a, b) => String(a.company).localeCompare(String(b.company)))).toEqual(
      [w.north.id, w.south.id].sort().map((company) => ({ actor: w.secondAdmin.id, company, reason: "deactivated" })),
    );

    expect((await w.secondAdminBrowser.post(`/api/v1/users/${w.manager.id}/restore`)).status).toBe(200);
    expect(await t.deps.db.select().from(managementGrants).where(eq(managementGrants.teamMemberId, w.manager.id))).toEqual([]);
    // Signed in again with a new password, the member reaches neither linked company nor its users.
    await t.deps.db.update(users).set({ passwordHash: await factoryPasswordHash() }).where(eq(users.id, w.manager.id));
    const again: TestClient = await signIn(t, w.manager);
    for (const company of [w.north, w.south]) expect((await again.post("/api/v1/session/switch", { companyId: company.id })).status).toBe(404);
    expect((await again.get(`/api/v1/users/${w.targets.north.id}`)).status).toBe(404);
  });
});
