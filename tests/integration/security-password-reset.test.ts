import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type App } from "../../src/app.ts";
import { fixedClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/client.ts";
import { auditEvents, emails, users as users_ } from "../../src/db/schema.ts";
import { buildDeps, closeDeps, LOG_REDACT, type Deps } from "../../src/deps.ts";
import { requestPasswordReset } from "../../src/features/auth/password-reset/request-password-reset.ts";
import { startWorkers } from "../../src/workers.ts";
import { TestClient } from "../support/client.ts";
import { createCompanyWithUsers, createUser, FACTORY_PASSWORD, signIn } from "../support/factories.ts";
import { NEW_PASSWORD, nextResetEmail, settleForgotPasswordJobs, settleOutbox, sha256, submitNewPassword } from "../support/password-reset.ts";
import { startSmtpServer, type CapturedMessage, type TestSmtpServer } from "../support/smtp-server.ts";
import { startTestApp, TEST_PUBLIC_URL, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, testDatabaseKind } from "../support/test-database.ts";
import { waitForEmailStatus } from "../support/outbox.ts";

const HOSTILE_HEADERS = {
  host: "evil.example",
  "x-forwarded-host": "evil.example",
  "x-forwarded-proto": "http",
  "x-forwarded-port": "8443",
  forwarded: 'for=198.51.100.66;host=evil.example;proto=http',
  "x-original-url": "http://evil.example/",
  origin: "https://evil.example",
  referer: "https://evil.example/phish",
};

/** Every URL an email points to, in its text and in its HTML. */
function urlsIn(smtp: TestSmtpServer, message: CapturedMessage): string[] {
  const hrefs = [...message.html.matchAll(/href="([^"]+)"/g)].map((match) => (match[1] ?? "").replaceAll("&amp;", "&"));
  return [...smtp.linksIn(message), ...hrefs];
}

describe.each([
  { proxy: "off", env: {} as Record<string, string> },
  { proxy: "of one hop (TRUST_PROXY=1)", env: { TRUST_PROXY: "1" } as Record<string, string> },
  { proxy: "of loopback proxies (TRUST_PROXY=loopback)", env: { TRUST_PROXY: "loopback" } as Record<string, string> },
])("links come from PUBLIC_URL, with the proxy trust $proxy", ({ env }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("whatever Host, X-Forwarded-* and Forwarded say, for admin, self-service and forgot-password emails and invitations", async () => {
    const { company, users } = await createCompanyWithUsers(t.deps);
    const target = await createUser(t.deps, company);
    const admin = await signIn(t, users.administrator);
    const since = t.smtp.messages.length;
    expect((await admin.post(`/api/v1/users/${target.id}/password-reset`, undefined, HOSTILE_HEADERS)).status).toBe(202);
    expect((await (await signIn(t, users.manager)).post("/api/v1/account/password-reset", undefined, HOSTILE_HEADERS)).status).toBe(202);
    expect((await t.client().post("/api/v1/auth/forgot-password", { email: users.user.email }, HOSTILE_HEADERS)).status).toBe(202);
    expect((await admin.post("/api/v1/users", { name: "Invited Person", email: "invited.person@example.test", role: "user" }, HOSTILE_HEADERS)).status).toBe(201);
    await settleForgotPasswordJobs(t);
    await settleOutbox(t);

    const messages = t.smtp.messages.slice(since);
    expect(messages.map((m) => m.to[0]).sort()).toEqual([target.email, users.manager.email, users.user.email, "invited.person@example.test"].sort());
    for (const message of messages) {
      const urls = urlsIn(t.smtp, message);
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) expect(url.startsWith(`${TEST_PUBLIC_URL}/`)).toBe(true);
      expect(message.text + message.html).not.toContain("evil.example");
    }
    // The token travels in the fragment, which browsers never send to a server.
    const { link } = await nextResetEmail(t, target.email, since);
    expect(link).toMatch(/^https:\/\/latchkey\.test\/reset-password#token=[A-Za-z0-9_-]{43}$/);
  });
});

describe("the reset link lifetime is configuration", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RESET_LINK_TTL: "90m" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("follows RESET_LINK_TTL: the response, the email and the forgot-password answer say so, and the boundary holds", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const reply = await (await signIn(t, users.administrator)).post(`/api/v1/users/${users.user.id}/password-reset`);
    expect(reply.body.reset.expiresAt).toBe(new Date(t.clock.now().getTime() + 90 * 60_000).toISOString());
    const { token, message } = await nextResetEmail(t, users.user.email);
    expect(message.text).toMatch(/expires on .+ UTC/);
    expect((await t.client().post("/api/v1/auth/forgot-password", { email: "anyone@example.test" })).body.message).toContain("90 minutes");
    t.clock.advance(90 * 60_000 - 1_000);
    expect((await t.client().post("/api/v1/links/inspect", { token })).body).toMatchObject({ valid: true });
    t.clock.advance(2_000);
    expect((await submitNewPassword(t.client(), token)).body.error.code).toBe("LINK_EXPIRED");
  });
});

describe("nothing secret leaves the reset flow", () => {
  let app: App;
  let deps: Deps;
  let smtp: TestSmtpServer;
  let dropDatabase: () => Promise<void>;
  let stopWorker: () => Promise<void>;
  const logLines: string[] = [];
  const clock = fixedClock(new Date());

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const config = loadConfig({ NODE_ENV: "test", PUBLIC_URL: TEST_PUBLIC_URL, SMTP_URL: smtp.url, LOG_LEVEL: "trace", GLOBAL_RATE_LIMIT_PER_MINUTE: "0" });
    const testDb = await createTestDatabase();
    dropDatabase = testDb.drop;
    // The logger the product would use, at its most talkative, writing into an array.
    const logger = pino({ level: "trace", redact: LOG_REDACT }, { write: (line: string) => void logLines.push(line) });
    deps = await buildDeps(config, { database: testDb.database, clock, logger });
    const workers = await startWorkers(deps);
    stopWorker = () => workers.stop();
    app = await buildApp(deps);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await stopWorker?.();
    if (deps) await closeDeps(deps);
    await smtp?.stop();
    await dropDatabase?.();
  });

  it("no token, password or hash in any log line, audit row, API response or error message", async () => {
    const responses: unknown[] = [];
    const client = (address = "127.0.0.1") => new TestClient(app, address);
    const record = <T>(reply: T) => {
      responses.push(reply);
      return reply;
    };
    const { company, users } = await createCompanyWithUsers(deps);
    const target = await createUser(deps, company);
    const admin = client();
    record(await admin.post("/api/v1/auth/login", { email: users.administrator.email, password: FACTORY_PASSWORD }));
    record(await admin.post(`/api/v1/users/${target.id}/password-reset`));
    const first = await smtp.waitFor({ to: target.email, subject: /reset/i });
    const firstToken = new URL(smtp.linksIn(first).find((l) => l.includes("#token=")) ?? "https://x/").hash.replace("#token=", "");
    clock.advance(1_000);
    record(await client("10.0.0.2").post("/api/v1/auth/forgot-password", { email: target.email }));
    const second = await smtp.waitFor((m) => m !== first && m.to.includes(target.email) && /reset/i.test(m.subject));
    const token = new URL(smtp.linksIn(second).find((l) => l.includes("#token=")) ?? "https://x/").hash.replace("#token=", "");
    const weak = "passwordpassword";
    record(await client().post("/api/v1/links/inspect", { token }));
    record(await client().post("/api/v1/links/inspect", { token: firstToken }));
    record(await submitNewPassword(client(), firstToken));
    record(await submitNewPassword(client(), token, weak));
    record(await submitNewPassword(client(), token, NEW_PASSWORD, `${NEW_PASSWORD}x`));
    record(await submitNewPassword(client(), token));
    record(await submitNewPassword(client(), token));
    record(await client().post("/api/v1/auth/login", { email: target.email, password: FACTORY_PASSWORD }));
    const signedIn = client();
    record(await signedIn.post("/api/v1/auth/login", { email: target.email, password: NEW_PASSWORD }));
    record(await signedIn.post("/api/v1/account/password", { currentPassword: NEW_PASSWORD, newPassword: `${NEW_PASSWORD} 2`, newPasswordConfirmation: `${NEW_PASSWORD} 2` }));
    record(await admin.get(`/api/v1/users/${target.id}/password-resets`));
    await smtp.waitFor({ to: target.email, subject: "password was changed" });

    const [stored] = await deps.db.select({ passwordHash: users_.passwordHash }).from(users_).where(eq(users_.id, target.id));
    const passwordHash = stored?.passwordHash ?? "";
    expect(passwordHash).toMatch(/^\$argon2id\$/);
    const secrets = [firstToken, token, sha256(firstToken), sha256(token), NEW_PASSWORD, `${NEW_PASSWORD} 2`, weak, FACTORY_PASSWORD, passwordHash, "$argon2id$"];
    const audit = JSON.stringify(await deps.db.select().from(auditEvents));
    const api = JSON.stringify(responses);
    const logs = logLines.join("\n");
    expect(logLines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(audit, `audit rows contain ${secret.slice(0, 6)}…`).not.toContain(secret);
      expect(api, `API responses contain ${secret.slice(0, 6)}…`).not.toContain(secret);
      expect(logs, `log lines contain ${secret.slice(0, 6)}…`).not.toContain(secret);
    }
  });
});

describe("requests never wait for SMTP, and no reset email is lost", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers while SMTP refuses connections, and delivers the reset email once SMTP is back", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    await t.smtp.refuseConnections();
    try {
      const started = performance.now();
      const reply = await admin.post(`/api/v1/users/${users.user.id}/password-reset`);
      expect(reply.status).toBe(202);
      expect(performance.now() - started).toBeLessThan(1_500);
      const [row] = await t.deps.db.select().from(emails).where(eq(emails.linkTokenId, reply.body.reset.id));
      if (!row) throw new Error("no email row for the reset");
      await waitForEmailStatus(t.deps, row.id, "retrying");
    } finally {
      await t.smtp.restart();
    }
    const { token } = await nextResetEmail(t, users.user.email, 0, 20_000);
    expect((await submitNewPassword(t.client(), token)).status).toBe(200);
    expect(t.smtp.messages.filter((m) => m.to.includes(users.user.email) && /reset/i.test(m.subject))).toHaveLength(1);
  });

  it("keeps only the link's SHA-256 once the reset email has left: the token is scrubbed from the stored email", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    const reply = await admin.post(`/api/v1/users/${users.read_only.id}/password-reset`);
    const { token } = await nextResetEmail(t, users.read_only.email);
    const [row] = await t.deps.db.select().from(emails).where(eq(emails.linkTokenId, reply.body.reset.id));
    if (!row) throw new Error("no email row for the reset");
    const settled = await waitForEmailStatus(t.deps, row.id, "sent");
    expect(settled.text + settled.html).not.toContain(token);
    expect(settled.text).toContain("#token=removed-after-delivery");
    // The delivered link still works: what the database lost, the recipient has.
    expect((await submitNewPassword(t.client(), token)).status).toBe(200);
  });

  it("refuses a cross-site POST without the CSRF token on every reset endpoint, and sends nothing", async () => {
    const { users } = await createCompanyWithUsers(t.deps);
    const admin = await signIn(t, users.administrator);
    const emailsBefore = await t.deps.db.select({ id: emails.id }).from(emails);
    const forged = [
      admin.request("POST", `/api/v1/users/${users.user.id}/password-reset`, undefined, { origin: "https://evil.example", "sec-fetch-site": "cross-site" }),
      admin.request("POST", "/api/v1/account/password-reset", undefined, { origin: "null" }),
      admin.request("POST", `/api/v1/users/${users.user.id}/password-resets/${users.user.id}/revoke`),
      t.client().request("POST", "/api/v1/auth/forgot-password", { email: users.user.email }),
      t.client().request("POST", "/api/v1/links/set-password", { token: "A".repeat(43), password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD }),
    ];
    for (const reply of await Promise.all(forged)) {
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("CSRF_INVALID");
    }
    await settleForgotPasswordJobs(t);
    expect(await t.deps.db.select({ id: emails.id }).from(emails)).toEqual(emailsBefore);
  });

  it("sends no-store, no-referrer, nosniff, HSTS and a CSP without third-party origins with every reset answer", async () => {
    const replies = [
      await t.client().post("/api/v1/auth/forgot-password", { email: "someone@example.test" }),
      await t.client().post("/api/v1/links/inspect", { token: "A".repeat(43) }),
      await t.client().post("/api/v1/links/set-password", { token: "A".repeat(43), password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD }),
    ];
    for (const reply of replies) {
      expect(reply.headers["cache-control"]).toBe("no-store");
      expect(reply.headers["referrer-policy"]).toBe("no-referrer");
      expect(reply.headers["x-content-type-options"]).toBe("nosniff");
      expect(String(reply.headers["strict-transport-security"])).toMatch(/max-age=\d+/);
      const csp = String(reply.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'self'");
      // A host ("https://cdn.example"), a bare scheme ("https:") or "*" would let another origin in.
      const sources = csp.split(";").flatMap((directive) => directive.trim().split(/\s+/).slice(1));
      expect(sources.filter((source) => source.includes("://") || /^(https?|wss?):$/.test(source) || source.includes("*"))).toEqual([]);
    }
  });
});

/** A database that outlives one "process": a PGlite folder, or a PostgreSQL database reopened by URL. */
async function reopenableDatabase() {
  if (testDatabaseKind === "postgres") {
    const created = await createTestDatabase();
    const url = created.url ?? "";
    return { first: created.database, reopen: () => openDatabase({ databaseUrl: url }), drop: created.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), "latchkey-restart-"));
  return { first: await openDatabase({ dataDir: dir }), reopen: () => openDatabase({ dataDir: dir }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

describe("a restart", () => {
  it("carries out a forgot-password request accepted just before the process stopped, and delivers its email", async () => {
    const smtp = await startSmtpServer();
    const store = await reopenableDatabase();
    const config = loadConfig({ NODE_ENV: "test", PUBLIC_URL: TEST_PUBLIC_URL, SMTP_URL: smtp.url, LOG_LEVEL: "silent", GLOBAL_RATE_LIMIT_PER_MINUTE: "0" });
    const clock = fixedClock(new Date());
    const logger = pino({ level: "silent" });
    try {
      // The first process accepts the request (its job is committed) and stops before any worker runs.
      const first = await buildDeps(config, { database: store.first, clock, logger });
      const { company } = await createCompanyWithUsers(first);
      const user = await createUser(first, company);
      await requestPasswordReset(first, { email: user.email, clientAddress: "203.0.113.5" });
      expect(await first.db.select().from(emails)).toEqual([]);
      await closeDeps(first);

      // The next process starts on the same database: the request is carried out and the email goes.
      const second = await buildDeps(config, { database: await store.reopen(), clock, logger });
      const workers = await startWorkers(second);
      const app = await buildApp(second);
      await app.ready();
      try {
        const message = await smtp.waitFor({ to: user.email, subject: /reset/i }, 20_000);
        expect(smtp.linksIn(message).some((link) => link.startsWith(`${TEST_PUBLIC_URL}/reset-password#token=`))).toBe(true);
      } finally {
        await app.close();
        await workers.stop();
        await closeDeps(second);
      }
    } finally {
      await smtp.stop();
      await store.drop();
    }
  });
});
