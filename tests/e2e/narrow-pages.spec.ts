import type { Page } from "@playwright/test";
import { apiWrite, createUserWithPassword, ownCompanyId, registerCompany } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 19, items 14, 19 and 20: every dashboard page at 390 px is no wider than the phone and
// axe-clean, and the header's company switcher takes a member of a multi-company profile to a
// linked company and back. The routes are web/src/routes.tsx's; the development mailbox's two are
// swept in dev-mailbox.spec.ts, on a server of its own without SMTP (decision 0049).

const WAYNE = { company: "Wayne Enterprises International Holdings", name: "Lucius Fox", email: "lucius@wayne-holdings.test", password: "applied sciences keeps the cape" };
const ALFRED = { name: "Alfred Pennyworth", email: "alfred@wayne-holdings.test", password: "tea at four and not a minute later", role: "manager" };
const LINKED = ["Gotham Gazette", "Ace Chemicals", "Kord Industries", "Powers Company", "Drake Industries", "Elliot Surgical", "Cobblepot Imports", "Sionis Steel"];

/** The switcher's name: Chromium puts a space between its flex items' texts. */
const switcherName = (company: string) => new RegExp(`^Company\\s+${company}\\s*, switch company$`);

async function expectNoSidewaysScroll(page: Page, route: string) {
  const { scrollWidth, viewport } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(scrollWidth, `${route} is ${scrollWidth} px wide in a ${viewport} px viewport`).toBeLessThanOrEqual(viewport);
}

test("every dashboard page fits a 390 px phone and passes axe; the header switches companies", async ({ page, browser, baseURL, latchkey, mailbox, shot, expectAccessible }) => {
  await registerCompany(page, WAYNE);
  const wayneId = await ownCompanyId(page);
  await latchkey.operator(["mark-multi-company", "--id", wayneId, "--allowance", String(LINKED.length)]);
  const alfredId = await createUserWithPassword(page, mailbox, ALFRED);
  // The reset history's visually hidden "Actions" header once widened this page to 835 px.
  await apiWrite(page, "POST", `/users/${alfredId}/password-reset`);
  for (const [i, name] of LINKED.entries()) {
    await apiWrite(page, "POST", "/managed-companies", { name, adminName: `Admin ${i + 1}`, adminEmail: `admin${i + 1}@linked${i + 1}.test` });
  }
  // An endpoint's page (its deliveries, secret and settings) is a page of its own too.
  const { endpoint } = await apiWrite<{ endpoint: { id: string } }>(page, "POST", "/webhook-endpoints", {
    url: "http://127.0.0.1:9/wayne-hooks",
    events: ["user.created"],
    description: "Wayne's directory sync, which has a rather long description to wrap",
  });

  await test.step("the company switcher at 1280 px: searchable, keyboard, into a linked company and back", async () => {
    await page.goto("/company");
    const switcher = page.getByRole("button", { name: /switch company/ });
    await expect(switcher).toHaveAccessibleName(switcherName(WAYNE.company));
    await switcher.focus();
    await page.keyboard.press("Enter");
    await expect(switcher).toHaveAttribute("aria-expanded", "true");
    const list = page.getByRole("list", { name: "Companies you can act in" });
    await expect(list.getByRole("button")).toHaveCount(LINKED.length + 1);
    await expect(list.getByRole("button", { name: new RegExp(`^${WAYNE.company}`) })).toHaveAttribute("aria-current", "true");
    await expectAccessible();
    await shot("switcher-open-1280");
    // Nine companies: the list is searchable.
    await page.getByLabel("Find a company").fill("ace");
    await expect(list.getByRole("button")).toHaveCount(1);
    await page.keyboard.press("Tab");
    await expect(list.getByRole("button", { name: /Ace Chemicals/ })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.getByRole("button", { name: /switch company/ })).toHaveAccessibleName(switcherName("Ace Chemicals"));
    await expect(page.getByRole("region", { name: "Linked company" })).toContainText(`You are working in Ace Chemicals on behalf of ${WAYNE.company}`);
    // Escape closes the menu and gives focus back to its button.
    await switcher.click();
    await expect(page.getByRole("button", { name: /Ace Chemicals.*Current/ })).toHaveAttribute("aria-current", "true");
    await page.keyboard.press("Escape");
    await expect(switcher).toHaveAttribute("aria-expanded", "false");
    await expect(switcher).toBeFocused();
    await switcher.click();
    await page.getByRole("button", { name: new RegExp(`^${WAYNE.company}.*Your company`) }).click();
    await expect(switcher).toHaveAccessibleName(switcherName(WAYNE.company));
    await expect(page.getByRole("region", { name: "Linked company" })).toHaveCount(0);
  });

  await test.step("the managed companies table: the name is a link, the switch button has a visible label", async () => {
    await page.goto("/company/managed-companies");
    const row = page.getByRole("row", { name: /Gotham Gazette/ });
    await expect(row.getByRole("button", { name: "Switch to Gotham Gazette" })).toHaveText("Switch");
    await row.getByRole("link", { name: "Gotham Gazette" }).click();
    await expect(page.getByRole("button", { name: /switch company/ })).toHaveAccessibleName(switcherName("Gotham Gazette"));
    await page.getByRole("button", { name: "Switch to original company" }).click();
    await expect(page.getByRole("button", { name: /switch company/ })).toHaveAccessibleName(switcherName(WAYNE.company));
  });

  const signedIn = [
    "/company",
    "/company/users",
    "/users",
    "/company/managed-companies",
    "/company/team-members",
    "/company/api-clients",
    "/company/integrations",
    `/company/integrations/${endpoint.id}`,
    "/company/users/new",
    `/company/users/${alfredId}`,
    "/account",
    "/audit-log",
    "/no-such-page",
  ];
  await page.setViewportSize({ width: 390, height: 844 });
  for (const route of signedIn) {
    await test.step(`${route} at 390 px`, async () => {
      await page.goto(route);
      await expect(page.locator("main h1, h1").first()).toBeVisible();
      await page.waitForLoadState("networkidle");
      await expectNoSidewaysScroll(page, route);
      await expectAccessible();
      await shot(`390${route.replace(/[^a-z0-9]+/gi, "-").replace(/integrations-[0-9a-f-]{36}$/, "integrations-endpoint").replace(/-[0-9a-f-]{36}$/, "-user")}`);
    });
  }

  await test.step("the header at 390 px: the company's name readable, the menus named", async () => {
    await page.goto("/company");
    const name = page.getByRole("button", { name: /switch company/ }).locator(".acting-company-name");
    await expect(name).toBeVisible();
    const box = await name.boundingBox();
    // Two letters and an ellipsis were about 30 px wide; now the name takes two lines of the header.
    expect(box?.width ?? 0).toBeGreaterThan(120);
    expect(box?.height ?? 0).toBeGreaterThan(30);
    await expect(name).toHaveAttribute("title", WAYNE.company);
    await expect(page.getByRole("button", { name: /Account menu for Lucius Fox/ })).toBeVisible();
    await page.getByRole("button", { name: /switch company/ }).click();
    await expectNoSidewaysScroll(page, "/company with the switcher open");
    await expectAccessible();
    await shot("390-switcher-open");
  });

  const visitor = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
  const signedOut = await visitor.newPage();
  for (const route of ["/login", "/register", "/forgot-password", "/set-password", "/reset-password"]) {
    await test.step(`${route} at 390 px, signed out`, async () => {
      await signedOut.goto(route);
      await expect(signedOut.locator("h1").first()).toBeVisible();
      await expectNoSidewaysScroll(signedOut, route);
      await expectAccessible(signedOut);
      await shot(`390${route.replace(/[^a-z0-9]+/gi, "-")}`, signedOut);
    });
  }
  await visitor.close();
});
