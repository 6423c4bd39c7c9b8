import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { queryRows } from "../../src/db/client.ts";
import { WEBHOOK_EVENT_TYPES } from "../../src/features/audit/webhook-event-types.ts";
import { linkCompany, markMultiCompany, unlinkCompany } from "../../src/features/linked-companies/link-company.ts";
import { FACTORY_PASSWORD, createCompany, createCompanyWithUsers, createUser, signIn, type SeedCompany, type UsersByRole } from "../support/factories.ts";
import { authorizationRequest, exchange, registerClient, signInThroughBrowser } from "../support/oidc.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";
import { giveSecondFactors } from "../support/second-factors.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { awaitEvent, registerEndpoint, sleep } from "../support/webhooks.ts";
import type { TestClient } from "../support/client.ts";

let t: TestApp;
let receiver: WebhookReceiver;
let acme: { company: SeedCompany; users: UsersByRole };
let admin: TestClient;

beforeAll(async () => {
  t = await startTestApp({ env: { WEBHOOK_POLL_INTERVAL: "50ms" } });
  receiver = await startWebhookReceiver();
  acme = await createCompanyWithUsers(t.deps, { name: "Acme Webhooks" });
  admin = await signIn(t, acme.users.administrator);
  await registerEndpoint(admin, receiver, [...WEBHOOK_EVENT_TYPES]);
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

const companyEvents = (companyId: string) => receiver.received.filter((r) => r.payload.companyId === companyId);

describe("every event type arrives, signed (Standard Webhooks, verified by the receiver)", () => {
  it("user created, updated, role changed, invitation sent, deactivated (+ sessions revoked), restored", async () => {
    const created = await admin.post("/api/v1/users", { name: "Hook Target", email: "hook.target@acme.test", role: "user" });
    expect(created.status).toBe(201);
    const id = created.body.user.id as string;
    const event = await awaitEvent(receiver, "user.created", id);
    expect(event.payload).toMatchObject({
      id: event.id,
      type: "user.created",
      companyId: acme.company.id,
      actor: { type: "user", id: acme.users.administrator.id, name: acme.users.administrator.name, companyId: acme.company.id },
      subject: { type: "user", id },
      data: { user: { id, email: "hook.target@acme.test", name: "Hook Target", role: "user", status: "active", companyId: acme.company.id } },
    });
    expect(event.headers["webhook-id"]).toBe(event.payload.id);
    expect(Number.isNaN(Date.parse(event.payload.timestamp))).toBe(false);

    expect((await admin.patch(`/api/v1/users/${id}`, { name: "Hook Renamed" })).status).toBe(200);
    expect((await awaitEvent(receiver, "user.updated", id)).payload.data).toMatchObject({ user: { name: "Hook Renamed" }, changed: ["name"] });
    expect((await admin.put(`/api/v1/users/${id}/role`, { role: "manager" })).status).toBe(200);
    expect((await awaitEvent(receiver, "user.role_changed", id)).payload.data).toMatchObject({ from: "user", to: "manager", user: { role: "manager" } });
    // The invitation sent with the creation, then the one sent again.
    expect((await awaitEvent(receiver, "user.invitation_sent", id)).payload.data.first).toBe(true);
    expect((await admin.post(`/api/v1/users/${id}/invitation`)).status).toBeLessThan(300);
    await receiver.waitFor((received) => received.some((r) => r.type === "user.invitation_sent" && r.payload.subject.id === id && r.payload.data.first === false));
    expect((await admin.post(`/api/v1/users/${id}/deactivate`)).status).toBe(200);
    expect((await awaitEvent(receiver, "user.deactivated", id)).payload.data.user.status).toBe("deactivated");
    expect((await awaitEvent(receiver, "user.sessions_revoked", id)).payload.data.reason).toBe("deactivated");
    expect((await admin.post(`/api/v1/users/${id}/restore`)).status).toBe(200);
    await awaitEvent(receiver, "user.restored", id);
  });

  it("password reset requested (who asked, never the link), password changed and sessions revoked", async () => {
    const target = await createUser(t.deps, acme.company, { email: "reset.target@acme.test" });
    expect((await admin.post(`/api/v1/users/${target.id}/password-reset`)).status).toBe(202);
    const requested = await awaitEvent(receiver, "password_reset.requested", target.id);
    expect(requested.payload.actor).toMatchObject({ type: "user", id: acme.users.administrator.id });
    expect(requested.payload.data.via).toBe("administrator");
    const email = await t.smtp.waitFor({ to: target.email });
    const token = /token=([A-Za-z0-9_-]+)/.exec(email.text)?.[1] ?? "";
    expect(token.length).toBeGreaterThan(20);
    expect(JSON.stringify(receiver.received)).not.toContain(token);

    const afterReset = "a brand new passphrase 9914";
    expect((await t.client().post("/api/v1/links/set-password", { token, password: afterReset, passwordConfirmation: afterReset })).status).toBe(200);
    const reset = await awaitEvent(receiver, "password.changed", target.id);
    expect(reset.payload).toMatchObject({ actor: { type: "user", id: target.id }, data: { how: "reset" } });
    expect((await awaitEvent(receiver, "user.sessions_revoked", target.id)).payload.data.reason).toBe("password_reset");

    const browser = t.client();
    expect((await browser.post("/api/v1/auth/login", { email: target.email, password: afterReset })).status).toBe(200);
    const changed = await browser.post("/api/v1/account/password", { currentPassword: afterReset, newPassword: "yet another passphrase 5521", newPasswordConfirmation: "yet another passphrase 5521" });
    expect(changed.status).toBe(200);
    await receiver.waitFor((all) => all.some((r) => r.type === "password.changed" && r.payload.subject.id === target.id && r.payload.data.how === "change"));
    await receiver.waitFor((all) => all.some((r) => r.type === "user.sessions_revoked" && r.payload.subject.id === target.id && r.payload.data.reason === "password_changed"));

    // Asked from the sign-in page: nobody known asked (the actor is null), and never the link.
    expect((await t.client("198.51.100.41").post("/api/v1/auth/forgot-password", { email: target.email })).status).toBe(202);
    await receiver.waitFor((all) => all.some((r) => r.type === "password_reset.requested" && r.payload.subject.id === target.id && r.payload.data.via === "forgot_password"));
    const forgot = receiver.received.find((r) => r.type === "password_reset.requested" && r.payload.subject.id === target.id && r.payload.data.via === "forgot_password");
    expect(forgot?.payload.actor).toBeNull();
    expect(forgot?.verifiedWith.length).toBeGreaterThan(0);
  });

  it("second factor reset (what was removed, never a secret) and sessions revoked", async () => {
    const target = await createUser(t.deps, acme.company, { email: "factor.target@acme.test" });
    await giveSecondFactors(t.deps, target.id, { totp: true, passkeys: 2, recoveryCodes: 10 });
    expect((await admin.post(`/api/v1/users/${target.id}/second-factor-reset`)).status).toBe(200);
    const reset = await awaitEvent(receiver, "user.second_factor_reset", target.id);
    expect(reset.payload).toMatchObject({ actor: { type: "user", id: acme.users.administrator.id }, data: { removed: { authenticatorApp: true, passkeys: 2, recoveryCodes: 10 } } });
    expect(JSON.stringify(reset.payload)).not.toMatch(/secret|emailId/);
    expect((await awaitEvent(receiver, "user.sessions_revoked", target.id)).payload.data.reason).toBe("second_factor_reset");
  });

  it("grant given and revoked, company linked and un-linked (to both companies), company deleted", async () => {
    const parent = await createCompany(t.deps, { name: "Hook Agency" });
    await markMultiCompany(t.deps.db, { companyId: parent.id, allowance: 3, now: t.clock.now() });
    const parentAdmin = await createUser(t.deps, parent, { role: "administrator" });
    const member = await createUser(t.deps, parent, { role: "manager" });
    const parentBrowser = await signIn(t, parentAdmin);
    const parentReceiver = await startWebhookReceiver();
    try {
      await registerEndpoint(parentBrowser, parentReceiver, ["company.linked", "company.unlinked", "grant.given", "grant.revoked"]);
      expect(await linkCompany(t.deps.db, { parentId: parent.id, childId: acme.company.id, now: t.clock.now() })).toEqual({ ok: true });
      const linked = await awaitEvent(receiver, "company.linked", acme.company.id);
      expect(linked.payload).toMatchObject({ actor: { type: "operator" }, subject: { type: "company", id: acme.company.id }, data: { company: { id: acme.company.id, parentId: parent.id } } });
      await awaitEvent(parentReceiver, "company.linked", acme.company.id);

      expect((await parentBrowser.put(`/api/v1/users/${member.id}/managed-companies/${acme.company.id}`)).status).toBe(200);
      expect((await awaitEvent(receiver, "grant.given", member.id)).payload.data).toMatchObject({ user: { id: member.id, companyId: parent.id }, company: { id: acme.company.id } });
      await awaitEvent(parentReceiver, "grant.given", member.id);
      expect((await parentBrowser.delete(`/api/v1/users/${member.id}/managed-companies/${acme.company.id}`)).status).toBe(200);
      await awaitEvent(receiver, "grant.revoked", member.id);

      expect((await unlinkCompany(t.deps.db, t.deps.jobs, { childId: acme.company.id, now: t.clock.now() })).ok).toBe(true);
      await awaitEvent(receiver, "company.unlinked", acme.company.id);
      await awaitEvent(parentReceiver, "company.unlinked", acme.company.id);
      expect(parentReceiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
    } finally {
      await parentReceiver.close();
    }

    const doomed = await createCompanyWithUsers(t.deps, { name: "Doomed Hooks" });
    const doomedAdmin = await signIn(t, doomed.users.administrator);
    const doomedReceiver = await startWebhookReceiver();
    try {
      await registerEndpoint(doomedAdmin, doomedReceiver, ["company.deleted"]);
      expect((await doomedAdmin.post("/api/v1/company/delete", { confirmName: "Doomed Hooks" })).status).toBe(200);
      const deleted = await awaitEvent(doomedReceiver, "company.deleted", doomed.company.id);
      expect(deleted.payload).toMatchObject({ companyId: doomed.company.id, actor: { type: "user", id: doomed.users.administrator.id } });
    } finally {
      await doomedReceiver.close();
    }
  });

  it("a sign-in to an application through the OpenID provider", async () => {
    const client = await registerClient(t);
    const authorization = await authorizationRequest(client);
    const { callback } = await signInThroughBrowser(t.client(), authorization, { email: acme.users.manager.email });
    await exchange(client, callback as URL, authorization);
    const event = await awaitEvent(receiver, "user.signed_in_to_application", acme.users.manager.id);
    expect(event.payload).toMatchObject({ companyId: acme.company.id, actor: { type: "user", id: acme.users.manager.id }, data: { clientId: client.clientId } });
  });

  it("covers the whole catalogue, and every payload matches its JSON schema in the OpenAPI document", async () => {
    const seen = new Set(receiver.received.filter((r) => r.verifiedWith.length > 0).map((r) => r.type));
    expect([...WEBHOOK_EVENT_TYPES].filter((type) => !seen.has(type))).toEqual(["company.deleted"]);
    const document = (await t.client().get("/api/openapi.json")).body as { openapi: string; webhooks: Record<string, any> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    // ajv (fastify's own validator) reads JSON Schema 2020-12, the dialect of OpenAPI 3.1.
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ strict: false });
    for (const received of receiver.received) {
      const schema = document.webhooks[received.type]?.post.requestBody.content["application/json"].schema;
      const validate = ajv.compile(schema);
      expect(validate(received.payload), `${received.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe("written in the action's transaction", () => {
  it("an action that rolls back leaves no event and no delivery", async () => {
    const [before] = await queryRows<{ n: number }>(t.deps.db, sql`select count(*)::int as n from webhook_events`);
    await expect(
      t.deps.db.transaction(async (tx) => {
        const { recordAuditEvent } = await import("../../src/features/audit/record-audit-event.ts");
        await recordAuditEvent(tx, { action: "user.updated", actor: null, targetUserId: acme.users.user.id, targetCompanyId: acme.company.id, details: { changed: ["name"] }, at: t.clock.now() });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    await sleep(300);
    const [after] = await queryRows<{ n: number }>(t.deps.db, sql`select count(*)::int as n from webhook_events`);
    expect(after?.n).toBe(before?.n);
    expect(receiver.received.some((r) => r.type === "user.updated" && r.payload.subject.id === acme.users.user.id)).toBe(false);
  });

  it("writes nothing when no endpoint wants the event", async () => {
    const quiet = await createCompanyWithUsers(t.deps, { name: "Quiet Co" });
    const quietAdmin = await signIn(t, quiet.users.administrator);
    const [before] = await queryRows<{ n: number }>(t.deps.db, sql`select count(*)::int as n from webhook_events`);
    expect((await quietAdmin.post("/api/v1/users", { name: "Nobody Listens", email: "nobody@quiet.test", role: "user" })).status).toBe(201);
    const [after] = await queryRows<{ n: number }>(t.deps.db, sql`select count(*)::int as n from webhook_events`);
    expect(after?.n).toBe(before?.n);
    expect(companyEvents(quiet.company.id)).toEqual([]);
  });
});
