import { apiWrite, registerCompany } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Issue 19, items 5–6: the Users page of its own, its orders, role filter, page size, and the list's
// state in the URL, so the back button and a shared link show the same page.

const ADMIN = { company: "Umbrella Tables", name: "Alice Abernathy", email: "alice@umbrella-tables.test", password: "a long table of many users 2026" };
const PEOPLE = Array.from({ length: 27 }, (_, i) => {
  const n = String(i + 1).padStart(2, "0");
  return { name: `Person ${n}`, email: `p${String(27 - i).padStart(2, "0")}@umbrella-tables.test`, role: i % 9 === 0 ? "manager" : i % 4 === 0 ? "read_only" : "user" };
});

test("the Users page sorts, filters, pages, keeps all of it in the URL and the back button, at 1280 px and 390 px", async ({ page, shot, expectAccessible }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await registerCompany(page, ADMIN);
  for (const person of PEOPLE) await apiWrite(page, "POST", "/users", person);
  const rows = page.getByRole("table").locator("tbody tr");
  const firstNames = () => rows.locator("th").allInnerTexts();

  await test.step("the Users navigation item opens a page of its own, with many rows in view", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await expect(page).toHaveURL(/\/users$/);
    await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
    await expect(page.getByText("1–25 of 28 users")).toBeVisible();
    // At least ten rows fit in the first screen (one did, on the company profile).
    const inView = await rows.evaluateAll((trs) => trs.filter((tr) => tr.getBoundingClientRect().bottom <= window.innerHeight).length);
    expect(inView).toBeGreaterThanOrEqual(10);
    // Every column fits at 1280 px: the table's scroll box does not scroll (Created was cut off).
    expect(await page.getByRole("table").evaluate((table) => table.parentElement!.scrollWidth - table.parentElement!.clientWidth)).toBeLessThanOrEqual(0);
    await expectAccessible();
    await shot("users-page");
  });

  await test.step("a header sorts, a second click reverses, and the order is in the URL", async () => {
    await page.getByRole("button", { name: "Email" }).click();
    await expect(page).toHaveURL(/sort=email/);
    await expect(page.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "ascending");
    await expect(rows.first().locator("td.cell-email")).toHaveText("alice@umbrella-tables.test");
    await expect(rows.nth(1).locator("td.cell-email")).toHaveText("p01@umbrella-tables.test");
    await page.getByRole("button", { name: "Email" }).click();
    await expect(page).toHaveURL(/dir=desc/);
    await expect(page.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "descending");
    await expect(rows.first().locator("td.cell-email")).toHaveText("p27@umbrella-tables.test");
    await shot("sorted-by-email-desc");
  });

  await test.step("the next page, then back twice: each press of the back button undoes one step", async () => {
    await page.getByRole("button", { name: "Next" }).click();
    await expect(page.getByText("26–28 of 28 users")).toBeVisible();
    await expect(page).toHaveURL(/after=/);
    const lastPage = await firstNames();
    expect(lastPage).toHaveLength(3);
    await page.goBack();
    await expect(page.getByText("1–25 of 28 users")).toBeVisible();
    await expect(rows.first().locator("td.cell-email")).toHaveText("p27@umbrella-tables.test");
    await page.goBack();
    await expect(page.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "ascending");
    await expect(rows.first().locator("td.cell-email")).toHaveText("alice@umbrella-tables.test");
  });

  await test.step("a role filter and a page size, and a shared link shows the same list", async () => {
    await page.getByLabel("Role").selectOption({ label: "Manager" });
    await expect(page.getByText("3 users", { exact: true })).toBeVisible();
    await expect(rows).toHaveCount(3);
    await page.getByLabel("Role").selectOption({ label: "Any role" });
    await page.getByLabel("Rows per page").selectOption("50");
    await expect(page.getByText("28 users", { exact: true })).toBeVisible();
    await expect(rows).toHaveCount(28);
    const shared = page.url();
    expect(shared).toContain("limit=50");
    const other = await page.context().newPage();
    await other.setViewportSize({ width: 1280, height: 860 });
    await other.goto(shared);
    await expect(other.getByRole("table").locator("tbody tr")).toHaveCount(28);
    await expect(other.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "ascending");
    await other.close();
  });

  await test.step("a search lists by name, and the tab on the company profile still lists the users", async () => {
    await page.getByLabel("Search users").fill("person 0");
    await expect(page.locator("#users-count")).toContainText("9 users");
    await expect(page.getByText("matches are listed by name")).toBeVisible();
    expect(await firstNames()).toEqual(PEOPLE.slice(0, 9).map((p) => p.name));
    await page.goto("/company/users");
    await expect(page.getByRole("link", { name: `${ADMIN.company} users` })).toHaveAttribute("aria-current", "page");
    await expect(page.getByText("1–25 of 28 users")).toBeVisible();
  });

  await test.step("select two users, deactivate both after a confirmation naming how many, and read a result per user", async () => {
    await page.goto("/users");
    await page.getByRole("checkbox", { name: "Select Person 01" }).check();
    await page.getByRole("checkbox", { name: "Select Person 02" }).check();
    const bar = page.getByRole("group", { name: "Act on the selected users" });
    await expect(bar).toContainText("2 users selected");
    await bar.getByRole("button", { name: "Deactivate" }).click();
    const dialog = page.getByRole("dialog", { name: "Deactivate 2 users?" });
    await expect(dialog).toBeVisible();
    await expectAccessible();
    await shot("bulk-confirm");
    await dialog.getByRole("button", { name: "Deactivate: 2 users" }).click();
    const result = page.getByRole("status").filter({ hasText: "Deactivate: 2 done" });
    await expect(result).toContainText("Person 01: done");
    await expect(result).toContainText("Person 02: done");
    await expect(page.getByText("1–25 of 26 users")).toBeVisible();
    await expect(bar).toBeHidden();
    await page.getByLabel("Status").selectOption({ label: "Deactivated" });
    await expect(rows).toHaveCount(2);
    await expectAccessible();
    await shot("bulk-result");
  });

  await test.step("the CSV download follows the filters on screen", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
    expect(download.suggestedFilename()).toBe("users.csv");
    const text = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toBe('"name","email","role","status","last_sign_in","created_at"');
    expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual(['"Person 01"', '"Person 02"']);
  });

  await test.step("a creation that finishes after the administrator went elsewhere leaves them where they went", async () => {
    await page.goto("/company/users/new");
    // Hold the creation's answer until the administrator has opened another page.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/v1/users", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      await held;
      await route.fallback();
    });
    await page.getByLabel("Name").fill("Late Lena");
    await page.getByLabel("Email").fill("lena@umbrella-tables.test");
    const created = page.waitForResponse((response) => response.url().endsWith("/api/v1/users") && response.request().method() === "POST");
    await page.getByRole("button", { name: "Create user" }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    release();
    expect((await created).status()).toBe(201);
    await page.unroute("**/api/v1/users");
    // Had the page still followed through, it would now show Late Lena's page.
    await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
    await page.waitForTimeout(500);
    await expect(page).toHaveURL(/\/audit-log$/);
    await expect(page.getByRole("heading", { level: 1, name: "Late Lena" })).toHaveCount(0);
  });

  await test.step("at 390 px the page fits the screen, the table scrolls in its own box, and axe finds nothing", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/users?sort=lastSignIn&dir=desc");
    await page.getByRole("checkbox", { name: "Select Person 27" }).check();
    await expect(page.getByRole("columnheader", { name: "Last sign-in" })).toHaveAttribute("aria-sort", "descending");
    // The administrator signed in; nobody else has yet.
    await expect(rows.first().locator("th")).toContainText(ADMIN.name);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible();
    await shot("users-page-390");
  });
});
