import type { Page } from "@playwright/test";
import { apiWrite, registerCompany } from "./support/actions.ts";
import { expect, test as base } from "./support/fixtures.ts";
import { startLatchkey, type LatchkeyServer } from "./support/latchkey-server.ts";

// Issue 19, items 19 and 21: the development mailbox (a server without SMTP_URL, as `npm start`
// runs) lists what Latchkey would have sent and shows an email's text and its HTML in a sandboxed
// frame; both pages fit a 390 px phone and pass axe. The other journeys run with SMTP, where the
// mailbox does not exist, so this one has a server of its own.

const test = base.extend<object, { mailboxServer: LatchkeyServer }>({
  mailboxServer: [
    async ({ database }, use) => {
      const server = await startLatchkey(database, { devMailbox: true });
      await use(server);
      await server.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
  baseURL: async ({ mailboxServer }, use) => use(mailboxServer.url),
});

const ADMIN = { company: "Mailroom Logistics", name: "Maud Keller", email: "maud@mailroom.test", password: "letters sorted by hand since 1921" };
const INVITEE = { name: "Otto Brandt", email: "otto@mailroom.test", role: "user" };

async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, viewport } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(scrollWidth, `${what} is ${scrollWidth} px wide in a ${viewport} px viewport`).toBeLessThanOrEqual(viewport);
}

test("the development mailbox lists an invitation and shows its text and its HTML, sandboxed, at 1280 px and 390 px", async ({ page, browser, baseURL, shot, expectAccessible }) => {
  await registerCompany(page, ADMIN);
  await apiWrite(page, "POST", "/users", INVITEE);

  // The invitee has no session yet: the mailbox is for them too (on loopback, without SMTP).
  const visitor = await browser.newContext({ baseURL });
  const inbox = await visitor.newPage();
  await inbox.goto("/dev/mailbox");
  await expect(inbox.getByRole("heading", { level: 1, name: "Development mailbox" })).toBeVisible();
  const row = inbox.getByRole("row").filter({ hasText: INVITEE.email });
  await expect(row).toHaveCount(1);
  await inbox.getByLabel("Recipient").fill(INVITEE.email);
  await expect(inbox.getByText("1 email", { exact: true })).toBeVisible();
  await expectAccessible(inbox);
  await shot("mailbox-1280", inbox);

  await row.getByRole("link").click();
  await expect(inbox).toHaveURL(/\/dev\/mailbox\/[^/]+$/);
  await expect(inbox.getByRole("heading", { level: 2, name: "Text version" })).toBeVisible();
  await expect(inbox.getByRole("heading", { level: 2, name: "HTML version" })).toBeVisible();
  const frame = inbox.locator("iframe.email-html");
  // An empty sandbox: no scripts, no same origin, no forms or top navigation.
  await expect(frame).toHaveAttribute("sandbox", "");
  await expect(inbox.frameLocator("iframe.email-html").getByText(ADMIN.company).first()).toBeVisible();
  await expect(inbox.getByRole("link", { name: /\/set-password#token=/ }).first()).toBeVisible();
  // The email's own markup is the frame's: axe cannot run inside an empty sandbox (and hangs trying).
  // (A full-page screenshot leaves the frame blank — Chromium draws an opaque-origin frame only in the viewport.)
  await expectAccessible(inbox, { exclude: ["iframe.email-html"] });
  await shot("mailbox-email-1280", inbox);

  await inbox.setViewportSize({ width: 390, height: 844 });
  await inbox.reload();
  await expect(inbox.getByRole("heading", { level: 2, name: "HTML version" })).toBeVisible();
  await expectNoSidewaysScroll(inbox, "an email in the mailbox");
  await expectAccessible(inbox, { exclude: ["iframe.email-html"] });
  await shot("mailbox-email-390", inbox);
  await inbox.goto("/dev/mailbox");
  await expect(inbox.getByRole("row").filter({ hasText: INVITEE.email })).toHaveCount(1);
  await expectNoSidewaysScroll(inbox, "the mailbox");
  await expectAccessible(inbox);
  await shot("mailbox-390", inbox);
  await visitor.close();
});
