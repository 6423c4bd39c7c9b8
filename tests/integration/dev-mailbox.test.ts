import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailboxTransport } from "../../src/email/mailbox-transport.ts";
import { MailDeliveryError } from "../../src/email/transport.ts";
import { enqueueTestEmail, waitForEmailStatus } from "../support/outbox.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const PASSWORD = "correct horse battery staple 9";
const NEW_PASSWORD = "a different long passphrase 42";

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("the development mailbox", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ smtp: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("holds the email an action wrote, newest first, without a session", async () => {
    const browser = t.client();
    await browser.post("/api/v1/auth/register", { companyName: "Mailbox Co", name: "Max Mailbox", email: "Max@Mailbox.test", password: PASSWORD });
    const change = await browser.post("/api/v1/account/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirmation: NEW_PASSWORD });
    expect(change.status).toBe(200);
    t.clock.advance(1_000);
    const later = await enqueueTestEmail(t.deps, { to: "someone@else.test", subject: "The newest one" });
    await waitForEmailStatus(t.deps, later, "sent");

    const anonymous = t.client();
    const list = await anonymous.get("/api/v1/dev/mailbox");
    expect(list.status).toBe(200);
    expect(list.body.emails[0]).toMatchObject({ id: later, to: "someone@else.test", subject: "The newest one", status: "sent" });
    const changed = list.body.emails.find((e: { kind: string }) => e.kind === "password_changed");
    expect(changed).toMatchObject({ to: "Max@Mailbox.test", subject: "Your Latchkey password was changed" });
    expect(Object.keys(changed).sort()).toEqual(["createdAt", "id", "kind", "sentAt", "status", "subject", "to"]);

    const one = await anonymous.get(`/api/v1/dev/mailbox/${changed.id}`);
    expect(one.status).toBe(200);
    expect(one.body.email.text).toMatch(/password/i);
    expect(one.body.email.html).toMatch(/<p|<table|<html/i);
  });

  it("marks the mailbox's emails sent once the worker has announced them", async () => {
    const id = await enqueueTestEmail(t.deps, { to: "announce@example.test" });
    const row = await waitForEmailStatus(t.deps, id, "sent");
    expect(row.attempts).toBe(1);
    const one = await t.client().get(`/api/v1/dev/mailbox/${id}`);
    expect(one.body.email).toMatchObject({ status: "sent", sentAt: row.sentAt?.toISOString() });
  });

  it("filters by recipient, whatever the case", async () => {
    await enqueueTestEmail(t.deps, { to: "Filter.Me@Example.test" });
    const list = await t.client().get("/api/v1/dev/mailbox?to=filter.me@example.TEST");
    expect(list.status).toBe(200);
    expect(list.body.emails.map((e: { to: string }) => e.to)).toEqual(["Filter.Me@Example.test"]);
    // PostgreSQL refuses a NUL in text: the filter says so instead of failing with 500.
    for (const to of ["%00", "filter.me%00@example.test", "%1F"]) expect((await t.client().get(`/api/v1/dev/mailbox?to=${to}`)).status, to).toBe(400);
  });

  it("answers 404 for an email that does not exist, and 400 for an id that is not one", async () => {
    expect((await t.client().get("/api/v1/dev/mailbox/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await t.client().get("/api/v1/dev/mailbox/not-an-id")).status).toBe(400);
    expect((await t.client().get("/api/v1/dev/mailbox/00000000-0000-4000-8000-000000000000/html")).status).toBe(404);
    expect((await t.client().get("/api/v1/dev/mailbox/not-an-id/html")).status).toBe(400);
  });

  it("serves an email's HTML as a sandboxed document: no scripts, no requests, framed only by the dashboard", async () => {
    const html = '<p style="color: red">Hello.</p><script>parent.document.title = "owned"</script><img src="https://tracker.test/p.gif">';
    const id = await enqueueTestEmail(t.deps, { to: "html@example.test", html });
    const reply = await t.client().get(`/api/v1/dev/mailbox/${id}/html`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(html);
    expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8");
    const csp = String(reply.headers["content-security-policy"]).split(";").map((d) => d.trim());
    // The page's own policy would block the inline styles emails are made of; this one replaces it.
    expect(csp).toEqual(expect.arrayContaining(["default-src 'none'", "style-src 'unsafe-inline'", "img-src data:", "sandbox", "frame-ancestors 'self'"]));
    expect(csp.some((d) => d.startsWith("script-src"))).toBe(false);
    expect(reply.headers["x-frame-options"]).toBe("SAMEORIGIN");
  });
});

describe("the development mailbox elsewhere", () => {
  it("does not exist when SMTP is configured", async () => {
    const t = await startTestApp();
    try {
      const id = await enqueueTestEmail(t.deps, { to: "private@example.test" });
      const list = await t.client().get("/api/v1/dev/mailbox");
      expect(list.status).toBe(404);
      expect(list.body.error.code).toBe("NOT_FOUND");
      expect((await t.client().get(`/api/v1/dev/mailbox/${id}`)).status).toBe(404);
      expect((await t.client().get(`/api/v1/dev/mailbox/${id}/html`)).status).toBe(404);
      expect((await t.client().get("/api/v1/dev/mailbox/not-an-id")).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it("does not exist in production, even without SMTP", async () => {
    const t = await startTestApp({ smtp: false, worker: false, env: { NODE_ENV: "production" } });
    try {
      const id = await enqueueTestEmail(t.deps, { to: "private@example.test" });
      expect((await t.client().get("/api/v1/dev/mailbox")).status).toBe(404);
      expect((await t.client().get(`/api/v1/dev/mailbox/${id}`)).status).toBe(404);
      expect((await t.client().get(`/api/v1/dev/mailbox/${id}/html`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe("the development mailbox transport", () => {
  const message = {
    emailId: "7c1b7c1e-9a8e-4d7a-8a53-0d6f5d0f2c11",
    from: "Latchkey <no-reply@latchkey.test>",
    to: "ada@acme.test",
    subject: "Reset your Latchkey password",
    text: "Choose a new password: https://latchkey.test/reset-password#token=abc_DEF-123\nOr sign in at https://latchkey.test/login.",
    html: "<p>…</p>",
  };

  it("prints every link of the email to the log, with its subject and recipient", async () => {
    const { logger, lines } = capturingLogger();
    await createMailboxTransport({ production: false, logger }).send(message);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      to: "ada@acme.test",
      subject: "Reset your Latchkey password",
      links: ["https://latchkey.test/reset-password#token=abc_DEF-123", "https://latchkey.test/login"],
    });
  });

  it("in production prints nothing and fails the email for good, so no link lands in a log", async () => {
    const { logger, lines } = capturingLogger();
    const sending = createMailboxTransport({ production: true, logger }).send(message);
    await expect(sending).rejects.toBeInstanceOf(MailDeliveryError);
    await expect(sending).rejects.toMatchObject({ permanent: true });
    expect(lines).toHaveLength(0);
  });
});

describe("the development mailbox answers only this machine", () => {
  let t: TestApp;
  let emailId: string;
  beforeAll(async () => {
    // One trusted proxy, so a forwarded address can be tried both ways round.
    t = await startTestApp({ smtp: false, env: { TRUST_PROXY: "1" } });
    emailId = await enqueueTestEmail(t.deps, { to: "holder@example.test", subject: "A link nobody else may read" });
    await waitForEmailStatus(t.deps, emailId, "sent");
  });
  afterAll(async () => {
    await t?.close();
  });

  const ask = (remoteAddress: string, url: string, headers: Record<string, string> = {}) => t.app.inject({ method: "GET", url, remoteAddress, headers });

  it("serves clients on the loopback address, IPv4 or IPv6", async () => {
    for (const address of ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"]) {
      expect((await ask(address, "/api/v1/dev/mailbox")).statusCode, address).toBe(200);
      expect((await ask(address, `/api/v1/dev/mailbox/${emailId}`)).statusCode, address).toBe(200);
      expect((await ask(address, "/api/v1/config")).json().devMailbox, address).toBe(true);
    }
  });

  it("answers 404 to every other client, whatever HOST the server listens on, and does not offer it in /config", async () => {
    for (const address of ["192.0.2.10", "10.0.0.5", "172.17.0.1", "192.168.1.20", "::ffff:192.0.2.1", "2001:db8::1", "fe80::1", "0.0.0.0"]) {
      for (const url of ["/api/v1/dev/mailbox", `/api/v1/dev/mailbox/${emailId}`, "/api/v1/dev/mailbox?to=holder@example.test", "/%61pi/v1/dev/mailbox"]) {
        const reply = await ask(address, url);
        expect(reply.statusCode, `${address} ${url}`).toBe(404);
        expect(reply.body, `${address} ${url}`).not.toContain("A link nobody else may read");
      }
      expect((await ask(address, "/api/v1/config")).json().devMailbox, address).toBe(false);
    }
  });

  it("is not fooled by a forwarded address: a remote client naming 127.0.0.1, or a local proxy passing on a remote client", async () => {
    const cases: Array<[string, string]> = [
      ["192.0.2.10", "127.0.0.1"],
      ["192.0.2.10", "192.0.2.99, 127.0.0.1"],
      ["127.0.0.1", "192.0.2.10"],
      ["127.0.0.1", "127.0.0.1, 192.0.2.10"],
    ];
    for (const [socket, forwarded] of cases) {
      const reply = await ask(socket, "/api/v1/dev/mailbox", { "x-forwarded-for": forwarded });
      expect(reply.statusCode, `${socket} forwarding ${forwarded}`).toBe(404);
    }
  });
});
