import type { Page } from "@playwright/test";
import { companyFromOperator } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

const ADMIN = { company: "Fabrikam", name: "Franka Brenner", email: "franka@fabrikam.test", password: "integrations should say their name" };
const HIRE = { name: "Hugo Contract", email: "hugo@fabrikam.test" };

/** What a platform's back end does with the copied credentials: a token from the real token endpoint. */
async function tokenFor(baseURL: string, clientId: string, secret: string): Promise<{ status: number; token: string | null }> {
  const response = await fetch(`${baseURL}/oidc/token`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "users:read users:write", resource: `${baseURL}/api/v1` }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, token: body.access_token ?? null };
}

async function apiWithToken(baseURL: string, token: string, method = "GET", path = "/api/v1/users", body?: unknown) {
  return fetch(`${baseURL}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
}

async function bothWidths(page: Page, name: string, shot: (name: string) => Promise<void>, expectAccessible: () => Promise<void>) {
  await expectAccessible();
  await shot(`${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible();
  await shot(`${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("an administrator creates an API client, its back end gets a token and calls the API; rotating and deleting end its tokens", async ({ page, baseURL, mailbox, latchkey, shot, expectAccessible }) => {
  const base = baseURL ?? "";
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  // From the operator: the worker's server allows ten registrations an hour from one address (tests/e2e/README).
  await companyFromOperator(page, latchkey.operator, mailbox, ADMIN);
  const extra = page.getByRole("region", { name: "Extra" });
  let clientId = "";
  let secret = "";

  await test.step("the API clients tab, empty", async () => {
    await extra.getByRole("link", { name: "API clients" }).click();
    await expect(page).toHaveURL(`${base}/company/api-clients`);
    await expect(extra.getByRole("link", { name: "API clients" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByText("No API clients yet")).toBeVisible();
    await bothWidths(page, "empty", shot, expectAccessible);
  });

  await test.step("create one: a name and scopes; nothing chosen is refused", async () => {
    await page.getByRole("button", { name: "Create API client" }).click();
    const form = page.getByRole("region", { name: "Create API client" });
    await expect(form.getByLabel("Name")).toBeFocused();
    await form.getByLabel("Name").fill("Billing sync");
    await form.getByRole("button", { name: "Create API client" }).click();
    await expect(page.getByText("Choose at least one scope.")).toBeVisible();
    await bothWidths(page, "create-form", shot, expectAccessible);
    const scopes = form.getByRole("group", { name: "Scopes" });
    await scopes.getByRole("checkbox", { name: /users:read/ }).check();
    await scopes.getByRole("checkbox", { name: /users:write/ }).check();
    await form.getByRole("button", { name: "Create API client" }).click();
  });

  await test.step("the secret, shown once, copied with the button", async () => {
    await expect(page.getByRole("heading", { name: "API client “Billing sync” created" })).toBeFocused();
    await expect(page.getByText("Copy the secret now: it will not be shown again")).toBeVisible();
    clientId = await page.getByLabel("Client ID").inputValue();
    expect(clientId).toMatch(/^[0-9a-f]{32}$/);
    await page.getByRole("button", { name: "Copy client secret" }).click();
    await expect(page.getByText("Copied to the clipboard.")).toBeVisible();
    secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(secret).toBe(await page.getByLabel("Client secret").inputValue());
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await bothWidths(page, "secret-once", shot, expectAccessible);
  });

  await test.step("the back end gets a token from the token endpoint and calls the API", async () => {
    const { status, token } = await tokenFor(base, clientId, secret);
    expect(status).toBe(200);
    const users = await apiWithToken(base, token ?? "");
    expect(users.status).toBe(200);
    expect(JSON.stringify(await users.json())).toContain(ADMIN.email);
    const created = await apiWithToken(base, token ?? "", "POST", "/api/v1/users", { name: HIRE.name, email: HIRE.email, role: "user" });
    expect(created.status).toBe(201);
    const invitation = await mailbox.waitFor({ to: HIRE.email }, 30_000);
    expect(invitation.text).toContain("Fabrikam's integration Billing sync");
  });

  await test.step("the table: name, scopes, last used, created by; the secret is gone once stored", async () => {
    await page.getByRole("button", { name: "I have stored the secret" }).click();
    await expect(page.getByLabel("Client secret")).toHaveCount(0);
    await page.reload();
    const table = page.getByRole("table", { name: "API clients of Fabrikam" });
    await expect(table.getByRole("columnheader")).toHaveText(["Name", "Scopes", "Last used", "Created by", "Created", "Actions"]);
    const row = table.getByRole("row", { name: /Billing sync/ });
    await expect(row).toContainText("users:read");
    await expect(row).toContainText("users:write");
    await expect(row).toContainText(ADMIN.name);
    await expect(row).not.toContainText("Never");
    await expect(page.locator("body")).not.toContainText(secret);
    await bothWidths(page, "table", shot, expectAccessible);
  });

  let oldToken = "";
  await test.step("rotate: confirm, a new secret once; the old secret and its token stop", async () => {
    oldToken = (await tokenFor(base, clientId, secret)).token ?? "";
    await page.getByRole("button", { name: "Rotate secret of Billing sync" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate the secret of “Billing sync”?" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
    await expectAccessible();
    await shot("rotate-confirm");
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    await expect(page.getByRole("heading", { name: "New secret for “Billing sync”" })).toBeFocused();
    const rotated = await page.getByLabel("Client secret").inputValue();
    expect(rotated).not.toBe(secret);
    expect((await apiWithToken(base, oldToken)).status).toBe(401);
    expect((await tokenFor(base, clientId, secret)).status).toBe(401);
    const fresh = await tokenFor(base, clientId, rotated);
    expect(fresh.status).toBe(200);
    expect((await apiWithToken(base, fresh.token ?? "")).status).toBe(200);
    oldToken = fresh.token ?? "";
    await page.getByRole("button", { name: "I have stored the secret" }).click();
  });

  await test.step("the audit log names the client", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await expect(page.getByRole("table").first()).toContainText("API client Billing sync of Fabrikam");
    await expectAccessible();
    await shot("audit-log");
  });

  await test.step("delete: confirm; its token stops at once", async () => {
    await page.goto("/company/api-clients");
    await page.getByRole("button", { name: "Delete Billing sync" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete “Billing sync”?" });
    await expect(dialog).toBeVisible();
    await expectAccessible();
    await shot("delete-confirm");
    await dialog.getByRole("button", { name: "Delete API client" }).click();
    await expect(page.getByRole("status").filter({ hasText: "API client “Billing sync” deleted." })).toBeVisible();
    await expect(page.getByText("No API clients yet")).toBeVisible();
    expect((await apiWithToken(base, oldToken)).status).toBe(401);
    await bothWidths(page, "deleted", shot, expectAccessible);
  });
});
