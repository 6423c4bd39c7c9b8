import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedAddress } from "../../src/features/webhooks/resolver.ts";
import { createEndpoint } from "../../src/features/webhooks/create-endpoint.ts";
import { PLATFORM_OWNER } from "../../src/features/webhooks/endpoint-owner.ts";
import { releaseOrphanedDeliveries } from "../../src/features/webhooks/deliver-due-webhooks.ts";
import { queryRows } from "../../src/db/client.ts";
import { sql } from "drizzle-orm";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import type { TestClient } from "../support/client.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { awaitEvent, registerEndpoint, sleep } from "../support/webhooks.ts";

/** Names the tests point where they like: the resolver is injected (deps.webhookResolver). */
const names = new Map<string, string>();
const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
  const address = names.get(hostname);
  if (!address) throw new Error(`ENOTFOUND ${hostname}`);
  return [{ address, family: address.includes(":") ? 6 : 4 }];
};

let t: TestApp;
const receivers: WebhookReceiver[] = [];
let seq = 0;

async function tenant() {
  seq += 1;
  const world = await createCompanyWithUsers(t.deps, { name: `Delivery Co ${seq}` });
  const admin = await signIn(t, world.users.administrator);
  const receiver = await startWebhookReceiver();
  receivers.push(receiver);
  return { ...world, admin, receiver };
}

const createUserThrough = async (admin: TestClient, label: string) => {
  const reply = await admin.post("/api/v1/users", { name: `User ${label}`, email: `${label}@delivery.test`, role: "user" });
  expect(reply.status).toBe(201);
  return reply.body.user.id as string;
};

const deliveriesOf = async (admin: TestClient, endpointId: string) => {
  const reply = await admin.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries`);
  expect(reply.status).toBe(200);
  return reply.body.deliveries as Array<Record<string, any>>;
};

async function waitForDelivery(admin: TestClient, endpointId: string, predicate: (d: Record<string, any>) => boolean, timeoutMs = 8_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await deliveriesOf(admin, endpointId)).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching delivery: ${JSON.stringify(await deliveriesOf(admin, endpointId))}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  // The safety net's own sweep (every 30 s by default) is left to the test that calls it.
  t = await startTestApp({ env: { WEBHOOK_POLL_INTERVAL: "50ms", WEBHOOK_TIMEOUT: "3s", WEBHOOK_CONNECT_TIMEOUT: "500ms", WEBHOOK_SWEEP_INTERVAL: "1h" }, webhookResolver: resolver });
});
afterAll(async () => {
  await t?.close();
  await Promise.all(receivers.map((r) => r.close()));
});

describe("outbound safety, checked after resolution on every attempt", () => {
  it("refuses literal blocked addresses at registration, in every spelling", async () => {
    const { admin } = await tenant();
    for (const url of [
      "https://169.254.169.254/latest/meta-data",
      "https://[fd00:ec2::254]/",
      "https://10.0.0.5/",
      "https://0xa9fea9fe/",
      "https://0251.0376.0251.0376/",
      "https://2852039166/",
      "https://192.168.0.1:8443/",
      "https://100.64.0.1/",
      "https://[fe80::1]/",
      "https://0.0.0.0/",
      "https://224.0.0.1/",
    ]) {
      const reply = await admin.post("/api/v1/webhook-endpoints", { url, events: ["user.created"] });
      expect(reply.status, url).toBe(422);
      expect(reply.body.error.code, url).toBe("WEBHOOK_URL_NOT_ALLOWED");
    }
    for (const url of ["https://u:p@hooks.example.com/", "gopher://x/", "not a url"]) {
      expect((await admin.post("/api/v1/webhook-endpoints", { url, events: ["user.created"] })).body.error.code, url).toBe("WEBHOOK_URL_INVALID");
    }
    expect((await admin.post("/api/v1/webhook-endpoints", { url: "https://hooks.example.com/", events: [] })).status).toBe(400);
    expect((await admin.post("/api/v1/webhook-endpoints", { url: "https://hooks.example.com/", events: ["user.exploded"] })).status).toBe(400);
    expect((await admin.post("/api/v1/webhook-endpoints", { url: ["https://a.example/"], events: ["user.created"] })).status).toBe(400);
    expect((await admin.post("/api/v1/webhook-endpoints", { url: "https://hooks.example.com/", events: ["user.created"], description: "bell\u0007" })).status).toBe(400);
  });

  it("bounds the endpoints of a company (each event fans out to all of them)", async () => {
    const { admin } = await tenant();
    for (let i = 0; i < 18; i++) expect((await admin.post("/api/v1/webhook-endpoints", { url: `https://hooks${i}.example.com/`, events: ["user.created"] })).status).toBe(201);
    // The last two places, asked for five times at once: exactly two are given.
    const racing = await Promise.all([0, 1, 2, 3, 4].map((i) => admin.post("/api/v1/webhook-endpoints", { url: `https://race${i}.example.com/`, events: ["user.created"] })));
    expect(racing.map((reply) => reply.status).sort()).toEqual([201, 201, 409, 409, 409]);
    expect((await admin.get("/api/v1/webhook-endpoints")).body.endpoints).toHaveLength(20);
    const refused = await admin.post("/api/v1/webhook-endpoints", { url: "https://one-too-many.example.com/", events: ["user.created"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("WEBHOOK_ENDPOINT_LIMIT");
  });

  it("a host name resolving to a blocked address is never connected to; the connection goes to the address checked", async () => {
    const { admin, receiver } = await tenant();
    // Resolves to loopback (allowed in tests) now: the connection uses the checked address, not a second lookup.
    names.set("rebind.hooks.test", "127.0.0.1");
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"], `http://rebind.hooks.test:${receiver.port}/in`);
    await createUserThrough(admin, "rebind-1");
    await awaitEvent(receiver, "user.created");
    for (const blocked of ["169.254.169.254", "10.1.2.3", "fd00:ec2::254", "::ffff:169.254.169.254", "0.0.0.0", "192.168.1.20", "100.100.100.100"]) {
      names.set("rebind.hooks.test", blocked);
      const before = receiver.attempts;
      const userId = await createUserThrough(admin, `rebind-${blocked.replace(/[^0-9a-f]/g, "")}`);
      const failed = await waitForDelivery(admin, endpoint.id, (d) => d.status === "pending" && d.attempts === 1 && d.error);
      expect(failed.error).toMatch(/loopback, private, link-local or reserved/);
      expect(failed.responseCode).toBeNull();
      expect(receiver.attempts).toBe(before);
      expect(receiver.received.some((r) => r.payload.subject?.id === userId)).toBe(false);
      // Clear it so the next address is the one attempted.
      await admin.delete(`/api/v1/webhook-endpoints/${endpoint.id}`);
      const again = await registerEndpoint(admin, receiver, ["user.created"], `http://rebind.hooks.test:${receiver.port}/in`);
      endpoint.id = again.endpoint.id;
    }
  });

  it("does not follow a redirect, not even to a permitted address", async () => {
    const { admin, receiver } = await tenant();
    const target = await startWebhookReceiver();
    receivers.push(target);
    receiver.mode = { kind: "redirect", location: "http://169.254.169.254/latest/meta-data" };
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"]);
    await createUserThrough(admin, "redirected");
    const failed = await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && d.error);
    expect(failed).toMatchObject({ status: "pending", responseCode: 307 });
    expect(failed.error).toMatch(/redirect .* not followed/);
    receiver.mode = { kind: "redirect", location: target.url };
    await createUserThrough(admin, "redirected-2");
    await sleep(400);
    expect(target.attempts).toBe(0);
  });
});

describe("in production (no WEBHOOK_ALLOW_LOOPBACK)", () => {
  it("refuses loopback in every spelling at registration, and a name resolving to it at delivery", async () => {
    const strict = await startTestApp({ env: { WEBHOOK_ALLOW_LOOPBACK: "off", WEBHOOK_POLL_INTERVAL: "50ms" }, webhookResolver: resolver });
    const receiver = await startWebhookReceiver();
    try {
      const world = await createCompanyWithUsers(strict.deps, { name: "Strict Co" });
      const admin = await signIn(strict, world.users.administrator);
      for (const url of ["https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://127.0.0.1/", "https://2130706433/", "https://0177.0.0.1/", "https://127.1/", `http://127.0.0.1:${receiver.port}/`]) {
        const reply = await admin.post("/api/v1/webhook-endpoints", { url, events: ["user.created"] });
        expect(reply.status, url).toBe(422);
      }
      names.set("loopback.hooks.test", "127.0.0.1");
      names.set("metadata.hooks.test", "169.254.169.254");
      names.set("mapped.hooks.test", "::ffff:127.0.0.1");
      for (const host of ["loopback.hooks.test", "metadata.hooks.test", "mapped.hooks.test"]) {
        const created = await admin.post("/api/v1/webhook-endpoints", { url: `https://${host}:${receiver.port}/`, events: ["user.created"] });
        expect(created.status).toBe(201);
      }
      expect((await admin.post("/api/v1/users", { name: "Strict User", email: "strict.user@delivery.test", role: "user" })).status).toBe(201);
      const endpoints = (await admin.get("/api/v1/webhook-endpoints")).body.endpoints as Array<{ id: string }>;
      for (const endpoint of endpoints) await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && /loopback, private, link-local or reserved/.test(d.error ?? ""));
      expect(receiver.attempts).toBe(0);
    } finally {
      await strict.close();
      await receiver.close();
    }
  });
});

describe("receivers that misbehave", () => {
  it("one that never answers is cut off at the total timeout", async () => {
    const { admin, receiver } = await tenant();
    receiver.mode = { kind: "hang" };
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"]);
    await createUserThrough(admin, "hang");
    const failed = await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && d.error);
    expect(failed.error).toMatch(/no complete answer within 3000 ms/);
    expect(failed.durationMs).toBeGreaterThanOrEqual(2950);
    expect(failed.durationMs).toBeLessThan(5000);
    expect(failed.nextAttemptAt).not.toBeNull();
  });

  it("a receiver that hangs holds at most four attempts: another endpoint's events go out meanwhile", async () => {
    const slow = await tenant();
    const quick = await tenant();
    slow.receiver.mode = { kind: "hang" };
    await registerEndpoint(slow.admin, slow.receiver, ["user.created"]);
    await registerEndpoint(quick.admin, quick.receiver, ["user.created"]);
    for (let i = 0; i < 8; i++) await createUserThrough(slow.admin, `slow-${i}`);
    await slow.receiver.waitFor(() => slow.receiver.attempts >= 4);
    const started = Date.now();
    const quickUser = await createUserThrough(quick.admin, "quick-one");
    await awaitEvent(quick.receiver, "user.created", quickUser);
    // Well before the hung attempts time out (3 s): it did not wait for a slot they held.
    expect(Date.now() - started).toBeLessThan(2500);
    expect(slow.receiver.attempts).toBe(4);
  });

  it("one that answers 500 is retried after the back-off, not before; the log shows each step", async () => {
    const { admin, receiver } = await tenant();
    receiver.mode = { kind: "status", status: 500 };
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"]);
    const userId = await createUserThrough(admin, "five-hundred");
    const failed = await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && d.responseCode === 500);
    expect(failed).toMatchObject({ status: "pending", error: "answered 500", eventType: "user.created" });
    expect(Date.parse(failed.nextAttemptAt) - Date.parse(failed.lastAttemptAt)).toBe(5_000);
    await sleep(400);
    expect(receiver.attempts).toBe(1);
    receiver.mode = { kind: "ok" };
    t.clock.advance(5_000);
    await awaitEvent(receiver, "user.created", userId);
    const delivered = await waitForDelivery(admin, endpoint.id, (d) => d.status === "succeeded");
    expect(delivered).toMatchObject({ attempts: 2, responseCode: 204, nextAttemptAt: null, error: null });
    expect(typeof delivered.durationMs).toBe("number");
  });

  it("one that answers 10 MB: read up to the cap, then hung up on", async () => {
    const { admin, receiver } = await tenant();
    receiver.mode = { kind: "huge", bytes: 10 * 1024 * 1024 };
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"]);
    await createUserThrough(admin, "flood");
    const delivered = await waitForDelivery(admin, endpoint.id, (d) => d.status === "succeeded");
    expect(delivered.responseCode).toBe(200);
    await receiver.waitFor(() => receiver.cutOff === 1);
    // What the receiver got onto the wire before Latchkey hung up: the cap plus socket buffers, far from 10 MB.
    expect(receiver.hugeBytesWritten).toBeLessThan(4 * 1024 * 1024);
  });
});

describe("order, rotation, redelivery, disabling", () => {
  it("delivers a subject's events in order, holding later ones while an earlier one is retried", async () => {
    const { admin, receiver } = await tenant();
    receiver.mode = { kind: "status", status: 503 };
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created", "user.updated", "user.role_changed"]);
    const userId = await createUserThrough(admin, "ordered");
    await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && d.error);
    receiver.mode = { kind: "ok" };
    for (const name of ["Ordered One", "Ordered Two", "Ordered Three"]) expect((await admin.patch(`/api/v1/users/${userId}`, { name })).status).toBe(200);
    expect((await admin.put(`/api/v1/users/${userId}/role`, { role: "manager" })).status).toBe(200);
    // Another subject is not held up by this one.
    const otherId = await createUserThrough(admin, "unrelated");
    await awaitEvent(receiver, "user.created", otherId);
    await sleep(300);
    expect(receiver.received.filter((r) => r.payload.subject?.id === userId)).toEqual([]);
    t.clock.advance(5_000);
    await receiver.waitFor((all) => all.filter((r) => r.payload.subject?.id === userId).length === 5);
    const order = receiver.received.filter((r) => r.payload.subject?.id === userId).map((r) => `${r.type}:${r.payload.data.user.name}`);
    expect(order).toEqual([
      "user.created:User ordered",
      "user.updated:Ordered One",
      "user.updated:Ordered Two",
      "user.updated:Ordered Three",
      "user.role_changed:Ordered Three",
    ]);
  });

  it("a secret rotated while deliveries are queued: both signatures during the overlap, the new alone after it", async () => {
    const world = await tenant();
    const { admin, receiver } = world;
    const { endpoint, secret: oldSecret } = await registerEndpoint(admin, receiver, ["user.created"]);
    receiver.mode = { kind: "status", status: 503 };
    await createUserThrough(admin, "rotation-queued");
    await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && d.error);
    const rotated = await admin.post(`/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - t.clock.now().getTime()).toBe(24 * 3_600_000);
    receiver.secrets = [oldSecret, newSecret];
    receiver.mode = { kind: "ok" };
    t.clock.advance(5_000);
    const queued = await awaitEvent(receiver, "user.created");
    expect(queued.verifiedWith).toEqual([oldSecret, newSecret]);
    expect(queued.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    t.clock.advance(24 * 3_600_000);
    // (Sessions last 12 hours: sign in again after the jump.)
    const userId = await createUserThrough(await signIn(t, world.users.administrator), "rotation-after");
    const after = await awaitEvent(receiver, "user.created", userId);
    expect(after.verifiedWith).toEqual([newSecret]);
    expect(after.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
  });

  it("redelivers a delivery on request, with the same webhook id", async () => {
    const { admin, receiver } = await tenant();
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"]);
    const userId = await createUserThrough(admin, "redelivered");
    const first = await awaitEvent(receiver, "user.created", userId);
    const delivered = await waitForDelivery(admin, endpoint.id, (d) => d.status === "succeeded");
    const again = await admin.post(`/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivered.id}/redeliver`);
    expect(again.status).toBe(202);
    await receiver.waitFor((all) => all.filter((r) => r.id === first.id).length === 2);
    expect(receiver.uniqueVerified().filter((r) => r.id === first.id)).toHaveLength(1);
    expect(await deliveriesOf(admin, endpoint.id)).toHaveLength(2);
  });

  it("disables an endpoint after a day of failures and emails the company's administrators; enabling it sends what waited", async () => {
    const world = await tenant();
    const { receiver } = world;
    let admin = world.admin;
    receiver.mode = { kind: "status", status: 500 };
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created"]);
    const userId = await createUserThrough(admin, "failing-day");
    // Each attempt recorded (not just received) before the clock moves: its next attempt counts from it.
    await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 1 && d.error);
    t.clock.advance(23 * 3_600_000);
    await receiver.waitFor(() => receiver.attempts === 2);
    admin = await signIn(t, world.users.administrator);
    await waitForDelivery(admin, endpoint.id, (d) => d.attempts === 2 && d.error);
    expect((await admin.get(`/api/v1/webhook-endpoints/${endpoint.id}`)).body).toMatchObject({ enabled: true, disabledReason: null });
    t.clock.advance(1 * 3_600_000 + 1_000);
    await receiver.waitFor(() => receiver.attempts === 3);
    const email = await t.smtp.waitFor({ to: world.users.administrator.email, subject: /webhook endpoint .* was disabled/ });
    expect(email.text).toContain(receiver.url);
    expect(email.text).toContain("https://latchkey.test/company/integrations");
    const shown = (await admin.get(`/api/v1/webhook-endpoints/${endpoint.id}`)).body;
    expect(shown).toMatchObject({ enabled: false, disabledReason: "failing" });
    t.clock.advance(48 * 3_600_000);
    await sleep(300);
    expect(receiver.attempts).toBe(3);
    admin = await signIn(t, world.users.administrator);

    receiver.mode = { kind: "ok" };
    expect((await admin.patch(`/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: true })).body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    await awaitEvent(receiver, "user.created", userId);
  });
});

describe("the safety net for waiting deliveries", () => {
  it("a delivery left waiting with nothing before it (its predecessor settled by an instance that died) is released and delivered", async () => {
    const { admin, receiver } = await tenant();
    const { endpoint } = await registerEndpoint(admin, receiver, ["user.created", "user.updated"]);
    const userId = await createUserThrough(admin, "orphaned");
    await awaitEvent(receiver, "user.created", userId);
    // As if written behind a delivery that then settled without releasing it: waiting, with nothing
    // pending before it. Under a subject of its own, because the receiver has the first delivery
    // before the sender settles it, and that settlement releases the next of the same subject (a
    // CI run saw it delivered within the 300 ms below).
    const [event] = await queryRows<{ id: string }>(t.deps.db, sql`select event_id as id from webhook_deliveries where endpoint_id = ${endpoint.id}::uuid limit 1`);
    await queryRows(t.deps.db, sql`
      insert into webhook_deliveries (event_id, endpoint_id, subject_key, next_attempt_at, created_at)
      values (${event?.id}::uuid, ${endpoint.id}::uuid, ${`user:${userId}:orphan`}, null, now())`);
    await sleep(300);
    expect(receiver.received.filter((r) => r.payload.subject?.id === userId)).toHaveLength(1);
    await releaseOrphanedDeliveries(t.deps);
    await receiver.waitFor((all) => all.filter((r) => r.payload.subject?.id === userId).length === 2);
  });
});

describe("tenant isolation", () => {
  it("company A's endpoint never hears of company B; B's administrator cannot see or touch A's endpoints (404); a manager is refused (403)", async () => {
    const a = await tenant();
    const b = await tenant();
    const { endpoint } = await registerEndpoint(a.admin, a.receiver, ["user.created", "user.updated"]);
    const bUser = await createUserThrough(b.admin, "b-only");
    const aUser = await createUserThrough(a.admin, "a-only");
    await awaitEvent(a.receiver, "user.created", aUser);
    await sleep(300);
    expect(a.receiver.received.some((r) => r.payload.subject?.id === bUser || r.payload.companyId === b.company.id)).toBe(false);

    const delivery = (await deliveriesOf(a.admin, endpoint.id))[0];
    expect((await b.admin.get("/api/v1/webhook-endpoints")).body.endpoints).toEqual([]);
    for (const [method, path, body] of [
      ["GET", `/api/v1/webhook-endpoints/${endpoint.id}`, undefined],
      ["PATCH", `/api/v1/webhook-endpoints/${endpoint.id}`, { enabled: false }],
      ["POST", `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, undefined],
      ["GET", `/api/v1/webhook-endpoints/${endpoint.id}/deliveries`, undefined],
      ["POST", `/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery?.id}/redeliver`, undefined],
      ["DELETE", `/api/v1/webhook-endpoints/${endpoint.id}`, undefined],
    ] as const) {
      const reply = method === "GET" ? await b.admin.get(path) : await b.admin.write(method, path, body, {});
      expect(reply.status, `${method} ${path}`).toBe(404);
    }
    expect((await a.admin.get(`/api/v1/webhook-endpoints/${endpoint.id}`)).body.enabled).toBe(true);

    const manager = await signIn(t, a.users.manager);
    expect((await manager.get("/api/v1/webhook-endpoints")).status).toBe(403);
    expect((await manager.post("/api/v1/webhook-endpoints", { url: "https://hooks.example.com/", events: ["user.created"] })).status).toBe(403);
  });

  it("a platform-wide endpoint (operator) hears every company's events", async () => {
    const a = await tenant();
    const b = await tenant();
    const platform = await startWebhookReceiver();
    receivers.push(platform);
    const created = await createEndpoint(t.deps, PLATFORM_OWNER, { url: platform.url, events: ["user.created"] });
    platform.secrets = [created.secret];
    const aUser = await createUserThrough(a.admin, "platform-a");
    const bUser = await createUserThrough(b.admin, "platform-b");
    await awaitEvent(platform, "user.created", aUser);
    await awaitEvent(platform, "user.created", bUser);
    expect((await a.admin.get("/api/v1/webhook-endpoints")).body.endpoints).toEqual([]);

    // A company registered from the sign-up page: its first user, announced to the platform.
    const browser = t.client("198.51.100.77");
    const registered = await browser.post("/api/v1/auth/register", { companyName: "Signed Up Co", name: "Sia Signup", email: "sia@signed-up.test", password: "a long enough passphrase 4471" });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const founder = (await browser.get("/api/v1/auth/me")).body.user.id as string;
    const signedUp = await awaitEvent(platform, "user.created", founder);
    expect(signedUp.payload).toMatchObject({ actor: { type: "user", id: founder }, data: { via: "registration", role: "administrator", user: { email: "sia@signed-up.test" }, company: { name: "Signed Up Co" } } });
  });
});
