import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";
import { apiWrite, companyFromOperator } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

const ADMIN = { company: "Hookline Logistics", name: "Hedy Lamarr", email: "hedy@hookline-e2e.test", password: "frequency hopping spread spectrum 1942" };

let receiver: WebhookReceiver;
test.beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
test.afterAll(async () => {
  await receiver?.close();
});

test("an administrator connects the company's back end with a webhook, watches deliveries, redelivers, rotates the secret and removes it", async ({ page, mailbox, latchkey, shot, expectAccessible }) => {
  // From the operator: the worker's server allows ten registrations an hour from one address (tests/e2e/README).
  await companyFromOperator(page, latchkey.operator, mailbox, ADMIN);

  await test.step("the Integrations tab starts empty", async () => {
    await page.goto("/company/integrations");
    const tab = page.getByRole("link", { name: "Integrations" });
    await expect(tab).toHaveAttribute("aria-current", "page");
    await expect(page.getByText("No endpoints yet")).toBeVisible();
    await expectAccessible();
    await shot("integrations-empty");
  });

  await test.step("add an endpoint: address, grouped events; the secret is shown once", async () => {
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByRole("heading", { name: "Add an endpoint" })).toBeVisible();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText("Enter the endpoint's address.")).toBeVisible();
    await expect(page.getByText("Choose at least one event.").first()).toBeVisible();
    await page.getByLabel("Endpoint URL").fill("https://169.254.169.254/latest");
    await page.getByRole("checkbox", { name: "All users events" }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText(/points to a private, loopback or reserved network/)).toBeVisible();
    await expectAccessible();
    await shot("add-endpoint-refused");

    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByLabel("Description").fill("Billing sync");
    await page.getByRole("checkbox", { name: /password_reset\.requested/ }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByRole("heading", { name: "Signing secret" })).toBeFocused();
    const secret = await page.getByLabel(/^Secret/).inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];
    await expectAccessible();
    await shot("secret-shown-once");
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await expect(page.getByRole("table", { name: "Webhook endpoints" })).toContainText(receiver.url);
    await expect(page.getByRole("table", { name: "Webhook endpoints" })).toContainText("7 events");
    await expect(page.getByLabel(/^Secret/)).toHaveCount(0);
    await expectAccessible();
    await shot("integrations-list");
  });

  let userId = "";
  await test.step("a user created through the API arrives, signed; the delivery log shows it", async () => {
    const created = await apiWrite<{ user: { id: string } }>(page, "POST", "/users", { name: "Webhook Witness", email: "witness@hookline-e2e.test", role: "user" });
    userId = created.user.id;
    await receiver.waitFor((all) => all.some((r) => r.type === "user.created" && r.payload.subject.id === userId && r.verifiedWith.length === 1), 20_000);
    await page.getByRole("link", { name: receiver.url }).click();
    await expect(page.getByRole("heading", { name: receiver.url })).toBeVisible();
    const log = page.getByRole("table", { name: /Deliveries to this endpoint/ });
    await expect(log).toContainText("user.created");
    await expect(log).toContainText("Delivered");
    await expect(log).toContainText("204");
    await expectAccessible();
    await shot("endpoint-detail");
  });

  await test.step("redeliver: the same event id arrives again", async () => {
    const first = receiver.received.find((r) => r.type === "user.created" && r.payload.subject.id === userId);
    // The invitation event follows the creation; redeliver the creation's row.
    const row = page.getByRole("row").filter({ hasText: "user.created" }).first();
    await row.getByRole("button", { name: /Redeliver/ }).click();
    await expect(page.getByRole("status").filter({ hasText: "The user.created event is queued again." })).toBeVisible();
    await receiver.waitFor((all) => all.filter((r) => r.id === first?.id).length === 2, 20_000);
  });

  await test.step("disable and enable", async () => {
    await page.getByRole("button", { name: "Disable" }).click();
    await expect(page.getByText("Endpoint disabled.", { exact: false })).toBeVisible();
    await expect(page.locator(".card-header .badge")).toHaveText("Disabled");
    await page.getByRole("button", { name: "Enable" }).click();
    await expect(page.locator(".card-header .badge")).toHaveText("Enabled");
  });

  await test.step("rotate the secret: confirm, the new secret shown once; deliveries carry both signatures", async () => {
    const old = receiver.secrets[0] ?? "";
    await page.getByRole("button", { name: "Rotate secret" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate the signing secret?" });
    await expect(dialog).toBeVisible();
    await expectAccessible();
    await shot("rotate-dialog");
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    const fresh = await page.getByLabel(/^Secret/).inputValue();
    expect(fresh).not.toBe(old);
    receiver.secrets = [old, fresh];
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await expect(page.getByText(/Still signs next to the new one/)).toBeVisible();
    await apiWrite(page, "PATCH", `/users/${userId}`, { name: "Webhook Witness Renamed" });
    await receiver.waitFor((all) => all.some((r) => r.type === "user.updated" && r.verifiedWith.length === 2), 20_000);
  });

  await test.step("at 390 px the pages stay usable and accessible", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect(page.getByRole("table", { name: /Deliveries to this endpoint/ })).toContainText("user.updated");
    await expectAccessible();
    await shot("endpoint-detail-390");
    await page.getByRole("link", { name: "All endpoints" }).click();
    await expect(page.getByRole("table", { name: "Webhook endpoints" })).toBeVisible();
    await expectAccessible();
    await shot("integrations-list-390");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expectAccessible();
    await shot("add-endpoint-390");
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await test.step("delete, after confirming", async () => {
    await page.getByRole("link", { name: receiver.url }).click();
    await page.getByRole("button", { name: "Delete endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this endpoint?" });
    await expectAccessible();
    await dialog.getByRole("button", { name: "Delete endpoint" }).click();
    await expect(page).toHaveURL(/\/company\/integrations$/);
    await expect(page.getByText("No endpoints yet")).toBeVisible();
  });
});
