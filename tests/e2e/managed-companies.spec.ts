import { createUserWithPassword, linkFor, ownCompanyId, registerCompany, signIn } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// The parent's side of multi-company profiles (issue 4): the managed companies tab, a new linked
// company within the allowance, management grants, the team members with access of a linked
// company, what a member sees when a grant is revoked under them, and the audit log's filters.

const STARK = { company: "Stark Holdings", name: "Pepper Potts", email: "pepper@stark.test", password: "a parent company with a careful plan" };
const HAPPY = { name: "Happy Hogan", email: "happy@stark.test", password: "drives the car and guards the door", role: "manager" };
const RHODEY = { name: "James Rhodes", email: "rhodey@stark.test", password: "a user of the parent without a grant", role: "user" };
const OSCORP = { company: "Oscorp Labs", name: "Norman Osborn", email: "norman@oscorp.test", password: "green goblin is not a password" };

test("the parent's administrator links, creates and grants; a revoked grant sends the member home with a message; the audit log filters", async ({
  page,
  browser,
  baseURL,
  latchkey,
  mailbox,
  shot,
  expectAccessible,
}) => {
  // Oscorp registers on its own; the operator makes Stark a multi-company profile and links Oscorp to it.
  const oscorp = await browser.newContext({ baseURL });
  const oscorpPage = await oscorp.newPage();
  await registerCompany(oscorpPage, OSCORP);
  const oscorpId = await ownCompanyId(oscorpPage);
  await oscorp.close();
  await registerCompany(page, STARK);
  const starkId = await ownCompanyId(page);
  await latchkey.operator(["mark-multi-company", "--id", starkId, "--allowance", "1"]);
  await latchkey.operator(["link-company", "--parent", starkId, "--company", oscorpId]);
  const happyId = await createUserWithPassword(page, mailbox, HAPPY);
  await createUserWithPassword(page, mailbox, RHODEY);

  await test.step("the managed companies tab: allowance, CSV, and a new linked company within the allowance", async () => {
    await page.goto("/company");
    await page.getByRole("region", { name: "Extra" }).getByRole("link", { name: "Managed companies" }).click();
    // Oscorp, linked by the operator, is outside the allowance: Stark has created none of its one.
    await expect(page.getByText("Allowance: 0 of 1 created", { exact: true })).toBeVisible();
    await expect(page.getByRole("row", { name: new RegExp(OSCORP.company) }).getByRole("button", { name: `Switch to ${OSCORP.company}` })).toBeVisible();
    const csvLink = page.getByRole("link", { name: "Download CSV" });
    const csv = await page.request.get((await csvLink.getAttribute("href")) ?? "");
    expect((await csv.text()).split("\r\n")[0]).toBe('"id","name","parent","created_at","users","last_login_at"');

    await page.getByRole("button", { name: "Create linked company" }).click();
    await expect(page.getByLabel("Company name", { exact: true }).last()).toBeFocused();
    const form = page.getByRole("region", { name: "Create linked company" });
    await form.getByRole("button", { name: "Create linked company" }).click();
    await expect(form.getByText("Enter the company's name.")).toBeVisible();
    await expect(form.getByLabel("Company name")).toBeFocused();
    await expectAccessible();
    await shot("create-linked-company-errors");
    await form.getByLabel("Company name").fill("Hammer Industries");
    await form.getByLabel("Administrator's name").fill("Justin Hammer");
    await form.getByLabel("Administrator's email").fill("justin@hammer.test");
    await form.getByRole("button", { name: "Create linked company" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Invitation sent to justin@hammer.test." })).toBeVisible();
    await expect(page.getByText("Allowance: 1 of 1 created", { exact: true })).toBeVisible();
    // The count is said once (the allowance used to repeat "1 linked company" beside it).
    await expect(page.getByText(/\d+ linked compan(y|ies)/)).toHaveCount(1);
    await expect(page.getByRole("row", { name: /Hammer Industries/ })).toBeVisible();
    // The allowance is used up: no more creating.
    await expect(page.getByRole("button", { name: "Create linked company" })).toHaveCount(0);
    await linkFor(mailbox, "justin@hammer.test", "/set-password#token=");
    await expectAccessible();
    await shot("managed-companies-admin");
  });

  await test.step("a management grant from the manager's page; administrators need none", async () => {
    await page.goto(`/company/users/${happyId}`);
    const section = page.getByRole("region", { name: "Managed companies" });
    const box = section.getByRole("checkbox", { name: OSCORP.company });
    await expect(box).not.toBeChecked();
    await expect(box).toBeEnabled();
    await box.check();
    await expect(section.getByRole("status").filter({ hasText: `${HAPPY.name} can now manage ${OSCORP.company}.` })).toBeVisible();
    await expect(box).toBeChecked();
    await expectAccessible();
    await shot("grants-of-a-manager");

    await page.goto("/company/users");
    await page.getByRole("link", { name: STARK.name }).click();
    const own = page.getByRole("region", { name: "Managed companies" });
    await expect(own.getByText("Administrators manage every linked company.")).toBeVisible();
    await expect(own.getByRole("checkbox", { name: OSCORP.company })).toBeDisabled();
    await expect(own.getByRole("checkbox", { name: OSCORP.company })).toBeChecked();
    // A plain user can hold no grant: no section at all.
    await page.goto("/company/users");
    await page.getByRole("link", { name: RHODEY.name }).click();
    await expect(page.getByRole("heading", { level: 1, name: RHODEY.name })).toBeVisible();
    await expect(page.getByRole("region", { name: "Managed companies" })).toHaveCount(0);
  });

  await test.step("the linked company's profile shows the team members with access", async () => {
    await page.goto("/company/managed-companies");
    await page.getByRole("button", { name: `Switch to ${OSCORP.company}` }).click();
    await expect(page.getByRole("heading", { level: 1, name: OSCORP.company })).toBeVisible();
    await page.getByRole("region", { name: "Extra" }).getByRole("link", { name: "Team members with access" }).click();
    const table = page.getByRole("table", { name: `Team members of ${STARK.company} and their access to ${OSCORP.company}` });
    await expect(table.getByRole("row", { name: new RegExp(STARK.name) })).toContainText("Yes as administrator");
    await expect(table.getByRole("row", { name: new RegExp(HAPPY.name) })).toContainText("Yes by grant");
    await expect(table.getByRole("row", { name: new RegExp(RHODEY.name) })).toContainText("No");
    await expectAccessible();
    await shot("team-members-with-access");
    await page.getByRole("button", { name: "Switch to original company" }).click();
    await expect(page.getByRole("banner")).toContainText(STARK.company);
  });

  const happy = await browser.newContext({ baseURL });
  const happyPage = await happy.newPage();

  await test.step("a revoked grant: the member's next page says so and shows their own company", async () => {
    await happyPage.goto("/login");
    await signIn(happyPage, HAPPY.email, HAPPY.password);
    await happyPage.getByRole("link", { name: "Managed companies" }).click();
    // Only the company Happy holds a grant for has a switch.
    await expect(happyPage.getByRole("row", { name: /Hammer Industries/ })).toContainText("No access");
    await happyPage.getByRole("button", { name: `Switch to ${OSCORP.company}` }).click();
    await happyPage.getByRole("region", { name: "Extra" }).getByRole("link", { name: `${OSCORP.company} users` }).click();
    await expect(happyPage.getByRole("link", { name: OSCORP.name })).toBeVisible();

    await page.goto(`/company/users/${happyId}`);
    await page.getByRole("region", { name: "Managed companies" }).getByRole("checkbox", { name: OSCORP.company }).uncheck();
    await expect(page.getByRole("status").filter({ hasText: `${HAPPY.name} can no longer manage ${OSCORP.company}.` })).toBeVisible();

    await happyPage.getByRole("link", { name: OSCORP.name }).click();
    await expect(happyPage.getByRole("status").filter({ hasText: `You no longer have access to ${OSCORP.company}` })).toBeVisible();
    await expect(happyPage).toHaveURL(`${baseURL}/company`);
    await expect(happyPage.getByRole("heading", { level: 1, name: STARK.company })).toBeVisible();
    await expect(happyPage.getByRole("banner")).toContainText(STARK.company);
    await expect(happyPage.getByRole("region", { name: "Linked company" })).toHaveCount(0);
    await expectAccessible(happyPage);
    await shot("access-revoked", happyPage);
    // Managers do not read the audit log.
    await expect(happyPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" })).toHaveCount(0);
  });
  await happy.close();

  await test.step("the audit log: filters, an empty result, and the CSV with the same filters", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    const table = page.getByRole("table", { name: "Audit events, newest first" });
    await expect(table.getByRole("row").nth(1)).toBeVisible();
    await page.getByLabel("Action").selectOption({ label: "Management grant revoked" });
    await expect(table.getByRole("row")).toHaveCount(2);
    await expect(table.getByRole("row").nth(1)).toContainText(`for ${OSCORP.company}`);
    await expect(table.getByRole("row").nth(1)).toContainText(HAPPY.name);
    const href = (await page.getByRole("link", { name: "Download CSV" }).getAttribute("href")) ?? "";
    expect(href).toContain("action=grant.revoked");
    const csv = (await (await page.request.get(href)).text()).trim().split("\r\n");
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain("grant.revoked");
    await page.getByLabel("Actor").fill("nobody-by-that-name");
    await expect(page.getByText("No events match these filters")).toBeVisible();
    await expectAccessible();
    await shot("audit-log-empty");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect(page.getByLabel("Company", { exact: true })).toBeFocused();
    await page.getByLabel("Company", { exact: true }).selectOption({ label: OSCORP.company });
    await expect(table.getByRole("row").filter({ hasText: "Company linked" })).toHaveCount(1);
    await expectAccessible();
    await shot("audit-log-linked-company");
  });
});
