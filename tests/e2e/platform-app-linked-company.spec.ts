import { appFact, createUserWithPassword, ownCompanyId, registerCompany, signInToApp } from "./support/actions.ts";
import { expect, test } from "./support/fixtures.ts";

// Every spec shares the worker's server: identities here are this spec's own.
// Issue 16, journey (b): a team member of a parent company signs in to the platform's own
// application acting in a linked company they hold a management grant for; the parent's
// administrator revokes the grant in the dashboard; the application's session for that company
// ends by itself, Latchkey refuses that company when the application asks for it by id, and no
// longer offers it in the choice.

const STARK = { company: "Wayne Enterprises", name: "Lucius Fox", email: "lucius@wayne.test", password: "a parent company with a careful plan" };
const HAPPY = { name: "Alfred Pennyworth", email: "alfred@wayne.test", password: "drives the car and guards the door", role: "manager" };
const OSCORP = { company: "Kord Industries", name: "Ted Kord", email: "ted@kord.test" };

test("a team member signs in to the application acting in a linked company; revoking the grant ends that session, and the company is no longer offered", async ({
  page,
  browser,
  latchkey,
  platformApp,
  mailbox,
  shot,
  expectAccessible,
}) => {
  // The linked company comes from the operator: the worker's server allows ten registrations an
  // hour from one address (decision 0020), and the journeys before this one use most of them.
  const created = await latchkey.operator(["create-company", "--name", OSCORP.company, "--admin-email", OSCORP.email, "--admin-name", OSCORP.name]);
  const oscorpId = /\(id ([0-9a-f-]{36})\)/.exec(created)?.[1] ?? "";
  expect(oscorpId, created).not.toBe("");
  await registerCompany(page, STARK);
  const starkId = await ownCompanyId(page);
  await latchkey.operator(["mark-multi-company", "--id", starkId]);
  await latchkey.operator(["link-company", "--parent", starkId, "--company", oscorpId]);
  const happyId = await createUserWithPassword(page, mailbox, HAPPY);

  await test.step("the parent's administrator gives the manager a management grant for the linked company", async () => {
    await page.goto(`/company/users/${happyId}`);
    const grants = page.getByRole("region", { name: "Managed companies" });
    await grants.getByRole("checkbox", { name: OSCORP.company }).check();
    await expect(grants.getByRole("status").filter({ hasText: `${HAPPY.name} can now manage ${OSCORP.company}.` })).toBeVisible();
  });

  const happy = await browser.newContext();
  const app = await happy.newPage();

  await test.step("the member asks the application to sign in to a linked company; Latchkey offers the companies they may act in", async () => {
    await signInToApp(app, platformApp.url, HAPPY, "Sign in to a linked company");
    await expect(app.getByRole("heading", { level: 1, name: "Continue to Platform app" })).toBeVisible();
    const choice = app.getByRole("group", { name: "Company to act in" });
    await expect(choice.getByRole("radio")).toHaveCount(2);
    await expect(choice.getByRole("radio", { name: `${STARK.company} (your company)` })).toBeVisible();
    await expectAccessible(app);
    await shot("latchkey-company-picker", app);
    await choice.getByRole("radio", { name: OSCORP.company }).check();
    await app.getByRole("button", { name: "Continue" }).click();
  });

  await test.step("the application shows the linked company, the member's role there, and that access is held by a grant", async () => {
    await expect(app).toHaveURL(`${platformApp.url}/`);
    await expect(app.getByRole("heading", { level: 1, name: `Signed in as ${HAPPY.name}` })).toBeVisible();
    await expect(appFact(app, "Acting company")).toHaveText(OSCORP.company);
    await expect(appFact(app, "Company id")).toHaveText(oscorpId);
    await expect(appFact(app, "Role")).toHaveText("Manager");
    await expect(appFact(app, "Access")).toHaveText(`Management grant, as a team member of ${STARK.company}`);
    await expect(appFact(app, "Home company")).toHaveText(STARK.company);
    await expect(appFact(app, "Home company id")).toHaveText(starkId);
    await app.getByRole("button", { name: "Call the API" }).click();
    const api = app.getByRole("region", { name: "This app's API" });
    await expect(api.getByRole("status")).toHaveText("The API answered 200 OK.");
    const answer = JSON.parse(await api.getByLabel("API answer").innerText()) as Record<string, unknown>;
    expect(answer).toMatchObject({ sub: happyId, company_id: oscorpId, company_role: "manager", company_access: "grant", home_company_id: starkId });
    await expectAccessible(app);
    await shot("app-acting-in-linked-company", app);
  });

  await test.step("the parent's administrator revokes the grant from the member's page", async () => {
    await page.goto(`/company/users/${happyId}`);
    const grants = page.getByRole("region", { name: "Managed companies" });
    await grants.getByRole("checkbox", { name: OSCORP.company }).uncheck();
    await expect(grants.getByRole("status").filter({ hasText: `${HAPPY.name} can no longer manage ${OSCORP.company}.` })).toBeVisible();
  });

  await test.step("the application's session in the linked company has ended by itself", async () => {
    await expect(async () => {
      await app.reload();
      await expect(app.getByRole("status")).toContainText("Latchkey ended your session", { timeout: 1_000 });
    }).toPass({ timeout: 30_000, intervals: [1_000] });
    await expect(app.getByRole("heading", { name: /Signed in as/ })).toHaveCount(0);
    await expectAccessible(app);
    await shot("app-session-ended-after-grant-revoked", app);
  });

  await test.step("asking Latchkey for that company again by its id is refused, and the application is told so", async () => {
    await app.getByRole("button", { name: `Sign in to ${OSCORP.company} again` }).click();
    // The member's Latchkey sign-in is untouched (only the grant went): no password this time.
    await expect(app.getByRole("heading", { level: 1, name: "Continue to Platform app" })).toBeVisible();
    await expect(app.getByText("The application asked for a company you cannot act in.", { exact: false })).toBeVisible();
    await shot("latchkey-named-company-refused", app);
    await app.getByRole("button", { name: "Continue" }).click();
    await expect(app.getByRole("heading", { level: 1, name: "Latchkey did not sign you in" })).toBeVisible();
    await expect(app.getByRole("alert")).toHaveText("the requested company is not available to this user");
    await expect(app.getByText("error: access_denied")).toBeVisible();
    await expectAccessible(app);
    await app.getByRole("link", { name: "Back to the home page" }).click();
    await expect(app.getByRole("heading", { name: /Signed in as/ })).toHaveCount(0);
  });

  await test.step("a new sign-in no longer offers the linked company; the member's own company still works", async () => {
    await app.getByRole("button", { name: "Sign in to a linked company" }).click();
    await expect(app.getByRole("heading", { level: 1, name: "Continue to Platform app" })).toBeVisible();
    const choice = app.getByRole("group", { name: "Company to act in" });
    await expect(choice.getByRole("radio")).toHaveCount(1);
    await expect(choice.getByRole("radio", { name: OSCORP.company })).toHaveCount(0);
    await expect(choice.getByRole("radio", { name: `${STARK.company} (your company)` })).toBeChecked();
    await shot("latchkey-company-picker-after-revoke", app);
    await app.getByRole("button", { name: "Continue" }).click();
    await expect(app).toHaveURL(`${platformApp.url}/`);
    await expect(appFact(app, "Acting company")).toHaveText(STARK.company);
    await expect(appFact(app, "Access")).toHaveText("Member of this company");
    await expect(appFact(app, "Home company")).toHaveCount(0);
  });
  await happy.close();
});
