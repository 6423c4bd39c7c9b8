import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMetricsServer, type MetricsServer } from "../../src/http/metrics.routes.ts";
import { createCompanyWithUsers, FACTORY_PASSWORD, signIn } from "../support/factories.ts";
import { enqueueTestEmail, waitForEmailStatus } from "../support/outbox.ts";
import { settleForgotPasswordJobs } from "../support/password-reset.ts";
import { registerPasskey, setPasskeySignIn, signInWithPasskey } from "../support/passkeys.ts";
import { currentCode, enrolTotp, passwordStep } from "../support/second-factor.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const TOKEN = "m".repeat(20) + "etrics-token-for-tests-0123456789";

/** The value of one series in Prometheus' text format (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(" ")[0] ?? "";
    if (wanted.every((pair) => labelText.includes(pair))) return Number(line.split(" ").at(-1));
  }
  return 0;
}

describe("GET /metrics", () => {
  let t: TestApp;
  let port: MetricsServer;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: TOKEN, EMAIL_RETRY_LIMIT: "0", SECRET_KEY: Buffer.alloc(32, 7).toString("base64") } });
    port = await startMetricsServer(t.deps, 0);
  });
  afterAll(async () => {
    await port?.close();
    await t?.close();
  });

  const scrape = async () => {
    const reply = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    return reply.body;
  };

  it("is refused on the public port without the token, or with another, and names no secret", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${TOKEN}` }]) {
      const reply = await t.app.inject({ method: "GET", url: "/metrics", headers });
      expect(reply.statusCode).toBe(401);
      expect(reply.body).not.toContain("latchkey_");
      expect(reply.json().error.code).toBe("UNAUTHENTICATED");
    }
  });

  it("does not exist on the public port when no token is set, and is served on METRICS_PORT (which serves nothing else)", async () => {
    const plain = await startTestApp({ smtp: false });
    try {
      expect((await plain.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
      const own = await startMetricsServer(plain.deps, 0);
      try {
        const reply = await fetch(`http://127.0.0.1:${own.port}/metrics`);
        expect(reply.status).toBe(200);
        expect(await reply.text()).toContain("nodejs_eventloop_lag_seconds");
        expect((await fetch(`http://127.0.0.1:${own.port}/api/v1/auth/me`)).status).toBe(404);
      } finally {
        await own.close();
      }
    } finally {
      await plain.close();
    }
    // With a token set, the metrics port asks for it too.
    expect((await fetch(`http://127.0.0.1:${port.port}/metrics`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port.port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it("moves after a sign-in, a wrong password, a reset, a forgot-password request and a failed delivery", async () => {
    const before = await scrape();
    const { users } = await createCompanyWithUsers(t.deps, { name: "Metrics Co" });
    const admin = await signIn(t, users.administrator);
    const wrong = await t.client().post("/api/v1/auth/login", { email: users.user.email, password: `${FACTORY_PASSWORD}x` });
    expect(wrong.status).toBe(401);
    expect((await admin.post(`/api/v1/users/${users.user.id}/password-reset`)).status).toBe(202);
    expect((await t.client().post("/api/v1/auth/forgot-password", { email: users.manager.email })).status).toBeLessThan(300);
    await settleForgotPasswordJobs(t);
    // Both reset emails leave before the SMTP server starts refusing.
    await t.smtp.waitFor({ to: users.user.email });
    await t.smtp.waitFor({ to: users.manager.email });
    t.smtp.setMode("permfail");
    try {
      const failing = await enqueueTestEmail(t.deps, { to: "nobody@metrics.test" });
      await waitForEmailStatus(t.deps, failing, "failed");
    } finally {
      t.smtp.setMode("accept");
    }
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(moved("latchkey_sign_ins_total", { outcome: "success" })).toBe(1);
    expect(moved("latchkey_sign_ins_total", { outcome: "wrong_password" })).toBe(1);
    expect(moved("latchkey_password_resets_total", { origin: "administrator", outcome: "sent" })).toBe(1);
    expect(moved("latchkey_password_resets_total", { origin: "forgot_password", outcome: "sent" })).toBe(1);
    expect(moved("latchkey_emails_total", { state: "failed" })).toBe(1);
    expect(moved("latchkey_job_failures_total", { queue: "email.deliver" })).toBe(1);
    expect(moved("latchkey_password_hash_duration_seconds_count", { operation: "verify" })).toBeGreaterThanOrEqual(2);
    expect(moved("latchkey_http_requests_total", { method: "POST", route: "/api/v1/auth/login", status: "200" })).toBe(1);
    expect(moved("latchkey_http_requests_total", { method: "POST", route: "/api/v1/auth/login", status: "401" })).toBe(1);
    expect(moved("latchkey_http_requests_total", { method: "POST", route: "/api/v1/users/:id/password-reset", status: "202" })).toBe(1);
    expect(sample(after, "latchkey_metrics_database_up")).toBe(1);
    expect(after).toMatch(/latchkey_outbox_oldest_age_seconds \d/);
    expect(after).toMatch(/latchkey_job_queue_jobs\{queue="email.deliver",state="queued"\}/);
    expect(after).toContain(`latchkey_database_info{driver="${t.deps.database.kind}"} 1`);
    // PostgreSQL: the pool's waits were timed and its connections are reported; PGlite has no pool.
    if (t.deps.database.kind === "postgres") {
      expect(moved("latchkey_db_pool_acquire_seconds_count")).toBeGreaterThan(5);
      expect(sample(after, "latchkey_db_pool_connections", { state: "total" })).toBeGreaterThan(0);
    } else {
      expect(moved("latchkey_db_pool_acquire_seconds_count")).toBe(0);
    }
    expect(after).toContain("process_resident_memory_bytes");
    // No user's id or address, and no raw path, in any label.
    expect(after).not.toContain(users.user.id);
    expect(after).not.toContain("@");
  });

  /** How much each named sample moved between two scrapes. */
  const moved = (before: string, after: string, name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);

  it("counts a sign-in stopped at the second step, and each second step by method and outcome", async () => {
    const { users } = await createCompanyWithUsers(t.deps, { name: "Second Step Co" });
    const { secret, recoveryCodes } = await enrolTotp(t, await signIn(t, users.user));
    let limitedClient = t.client();
    const before = await scrape();
    // Every combination of the bounded labels is there from the start, at its value.
    for (const method of ["totp", "recovery_code", "passkey"]) {
      for (const outcome of ["success", "incorrect", "limited", "expired"]) {
        expect(before).toContain(`latchkey_second_factor_attempts_total{method="${method}",outcome="${outcome}"} `);
      }
    }

    // The password alone: second_factor, no success yet. A wrong code, then the right one.
    const first = await passwordStep(t, users.user.email, "198.51.100.31");
    expect(first.reply.body.secondStep).toMatchObject({ purpose: "second_factor" });
    expect((await first.client.post("/api/v1/auth/second-factor", { method: "totp", code: "000000" === currentCode(t, secret) ? "111111" : "000000" })).body.error.code).toBe("SECOND_FACTOR_INCORRECT");
    const middle = await scrape();
    expect(moved(before, middle, "latchkey_sign_ins_total", { outcome: "second_factor" })).toBe(1);
    expect(moved(before, middle, "latchkey_sign_ins_total", { outcome: "success" })).toBe(0);
    expect(moved(before, middle, "latchkey_second_factor_attempts_total", { method: "totp", outcome: "incorrect" })).toBe(1);
    expect((await first.client.post("/api/v1/auth/second-factor", { method: "totp", code: currentCode(t, secret) })).status).toBe(200);

    // A recovery code, and a step with no half-finished sign-in behind the cookie.
    const second = await passwordStep(t, users.user.email, "198.51.100.32");
    expect((await second.client.post("/api/v1/auth/second-factor", { method: "recovery_code", code: recoveryCodes[0] })).status).toBe(200);
    expect((await t.client("198.51.100.33").post("/api/v1/auth/second-factor", { method: "recovery_code", code: recoveryCodes[1] })).body.error.code).toBe("SIGN_IN_EXPIRED");

    // The step's own limit: 10 tries for the account from one client (a half-finished sign-in dies
    // after 5 wrong codes, so three of them), the eleventh refused.
    for (let i = 0; i < 11; i++) {
      if (i % 5 === 0) ({ client: limitedClient } = await passwordStep(t, users.user.email, "198.51.100.34"));
      await limitedClient.post("/api/v1/auth/second-factor", { method: "totp", code: "999999" === currentCode(t, secret) ? "888888" : "999999" });
    }
    const done = await scrape();
    expect(moved(before, done, "latchkey_sign_ins_total", { outcome: "second_factor" })).toBe(5);
    expect(moved(before, done, "latchkey_sign_ins_total", { outcome: "success" })).toBe(2);
    expect(moved(before, done, "latchkey_second_factor_attempts_total", { method: "totp", outcome: "success" })).toBe(1);
    expect(moved(before, done, "latchkey_second_factor_attempts_total", { method: "recovery_code", outcome: "success" })).toBe(1);
    expect(moved(before, done, "latchkey_second_factor_attempts_total", { method: "recovery_code", outcome: "expired" })).toBe(1);
    expect(moved(before, done, "latchkey_second_factor_attempts_total", { method: "totp", outcome: "incorrect" })).toBe(11);
    expect(moved(before, done, "latchkey_second_factor_attempts_total", { method: "totp", outcome: "limited" })).toBe(1);
    expect(moved(before, done, "latchkey_second_factor_attempts_total", { method: "passkey", outcome: "success" })).toBe(0);
  });

  it("counts a passkey as the second step, and a passwordless passkey sign-in as a sign-in's success", async () => {
    const { users, company } = await createCompanyWithUsers(t.deps, { name: "Passkey Co" });
    await setPasskeySignIn(t.deps, company.id, true);
    const { authenticator } = await registerPasskey(await signIn(t, users.user));
    const before = await scrape();
    const { client } = await passwordStep(t, users.user.email, "198.51.100.41");
    const options = await client.post("/api/v1/auth/second-factor/passkey/options");
    expect((await client.post("/api/v1/auth/second-factor/passkey", { response: authenticator.assert(options.body) })).status).toBe(200);
    const middle = await scrape();
    expect(moved(before, middle, "latchkey_second_factor_attempts_total", { method: "passkey", outcome: "success" })).toBe(1);
    expect(moved(before, middle, "latchkey_sign_ins_total", { outcome: "second_factor" })).toBe(1);
    expect(moved(before, middle, "latchkey_sign_ins_total", { outcome: "success" })).toBe(1);

    expect((await signInWithPasskey(t.client("198.51.100.42"), authenticator)).status).toBe(200);
    const after = await scrape();
    expect(moved(middle, after, "latchkey_sign_ins_total", { outcome: "success" })).toBe(1);
    expect(moved(middle, after, "latchkey_sign_ins_total", { outcome: "second_factor" })).toBe(0);
    expect(moved(middle, after, "latchkey_second_factor_attempts_total", { method: "passkey", outcome: "success" })).toBe(0);
  });

  it("counts rate-limit refusals by limit and the sign-ins they refused", async () => {
    const before = await scrape();
    const { users } = await createCompanyWithUsers(t.deps, { name: "Limited Co" });
    const client = t.client("203.0.113.77");
    for (let i = 0; i < 11; i++) await client.post("/api/v1/auth/login", { email: users.user.email, password: "not the password at all" });
    const after = await scrape();
    expect(sample(after, "latchkey_sign_ins_total", { outcome: "limited" }) - sample(before, "latchkey_sign_ins_total", { outcome: "limited" })).toBe(1);
    expect(sample(after, "latchkey_rate_limit_refusals_total", { limit: "login:account_client" }) - sample(before, "latchkey_rate_limit_refusals_total", { limit: "login:account_client" })).toBe(1);
  });

  it("labels paths no route matches, and the OpenID provider's, from a fixed set", async () => {
    await t.app.inject({ method: "GET", url: "/api/v1/no-such-thing-8e0c" });
    await t.app.inject({ method: "GET", url: "/oidc/jwks" });
    await t.app.inject({ method: "GET", url: "/oidc/some/random/path-1234" });
    const after = await scrape();
    expect(after).not.toContain("8e0c");
    expect(after).not.toContain("path-1234");
    expect(after).toMatch(/route="unmatched"/);
    expect(after).toMatch(/route="\/oidc\/jwks",status="200"/);
    expect(after).toMatch(/route="\/oidc\/\*"/);
  });
});
