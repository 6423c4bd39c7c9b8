import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { runCli } from "../../src/cli/run-cli.ts";
import { queryRows } from "../../src/db/client.ts";
import { createCompanyWithUsers, signIn } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { awaitEvent } from "../support/webhooks.ts";

let t: TestApp;
let receiver: WebhookReceiver;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { deps: t.deps, io: { out: (line) => out.push(line), err: (line) => err.push(line) } });
  return { code, out, err };
}

beforeAll(async () => {
  t = await startTestApp({ env: { WEBHOOK_POLL_INTERVAL: "50ms" } });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

describe("the operator's platform-wide webhooks (CLI)", () => {
  it("creates, lists, delivers every company's events, shows the log, redelivers, rotates, disables and deletes — each audited", async () => {
    const created = await cli("create-webhook", "--url", receiver.url, "--event", "user.created", "--event", "user.deactivated", "--json");
    expect(created.code).toBe(0);
    const { id, secret } = JSON.parse(created.out[0] ?? "{}") as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];

    const listed = await cli("list-webhooks");
    expect(listed.out.join("\n")).toContain(receiver.url);
    expect(listed.out.join("\n")).not.toContain(secret);

    const one = await createCompanyWithUsers(t.deps, { name: "Cli Hooks One" });
    const two = await createCompanyWithUsers(t.deps, { name: "Cli Hooks Two" });
    for (const world of [one, two]) {
      const admin = await signIn(t, world.users.administrator);
      expect((await admin.post("/api/v1/users", { name: "Cli Hooked", email: `hooked@${world.company.id}.test`, role: "user" })).status).toBe(201);
    }
    await receiver.waitFor((all) => new Set(all.filter((r) => r.type === "user.created").map((r) => r.payload.companyId)).size === 2);
    expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);

    // A receiver has the event a moment before the worker records the answer: read the log until both are recorded.
    const succeeded = (lines: string[]) => lines.filter((line) => line.includes("user.created") && line.includes("succeeded"));
    let log = await cli("webhook-deliveries", "--id", id);
    for (let tries = 0; succeeded(log.out).length < 2 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      log = await cli("webhook-deliveries", "--id", id);
    }
    expect(log.code).toBe(0);
    expect(succeeded(log.out)).toHaveLength(2);
    const deliveryId = /^([0-9a-f-]{36})\s/.exec(log.out.find((line) => line.includes("user.created")) ?? "")?.[1] ?? "";
    const first = receiver.received.length;
    expect((await cli("redeliver-webhook", "--id", id, "--delivery", deliveryId)).code).toBe(0);
    await receiver.waitFor((all) => all.length === first + 1);

    const rotated = await cli("rotate-webhook-secret", "--id", id, "--json");
    expect(JSON.parse(rotated.out[0] ?? "{}").secret).toMatch(/^whsec_/);
    expect((await cli("set-webhook", "--id", id, "--disable")).out[0]).toContain("disabled");
    expect((await cli("set-webhook", "--id", id, "--event", "nonsense")).code).toBe(1);
    expect((await cli("delete-webhook", "--id", id)).code).toBe(0);
    expect((await cli("list-webhooks")).out[0]).toMatch(/No platform-wide endpoints/);

    const audit = await queryRows<{ action: string }>(t.deps.db, sql`select action from audit_events where action like 'webhook.%' order by id`);
    expect(audit.map((a) => a.action)).toEqual(["webhook.endpoint_created", "webhook.redelivered", "webhook.secret_rotated", "webhook.endpoint_updated", "webhook.endpoint_deleted"]);
  });

  it("refuses a blocked or non-https URL, and an unknown id, in one line", async () => {
    const blocked = await cli("create-webhook", "--url", "https://169.254.169.254/", "--event", "all");
    expect(blocked.code).toBe(1);
    expect(blocked.err.join(" ")).toMatch(/private, loopback or reserved/);
    expect((await cli("create-webhook", "--url", "https://hooks.example.com/")).code).toBe(1);
    expect((await cli("delete-webhook", "--id", "00000000-0000-4000-8000-000000000000")).code).toBe(1);
  });
});
