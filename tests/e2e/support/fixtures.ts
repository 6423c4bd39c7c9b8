import { basename } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";
import type { TestSmtpServer } from "../../support/smtp-server.ts";
import { freePort, startLatchkey, type DatabaseKind, type LatchkeyServer } from "./latchkey-server.ts";
import { registerPlatformApp, startPlatformApp, type PlatformApp, type PlatformAppClient } from "./platform-app.ts";

export interface LatchkeyOptions {
  database: DatabaseKind;
}

interface WorkerFixtures extends LatchkeyOptions {
  /** The installation, with the example application (examples/platform-app) registered as a client. */
  latchkey: LatchkeyServer & { platformAppClient: PlatformAppClient };
}

interface TestFixtures {
  mailbox: TestSmtpServer;
  /** The example application, running as its README says, signing in through this worker's Latchkey. */
  platformApp: PlatformApp;
  /** Screenshot of the page (or another one), numbered and named for the step, into test-results/screens/<project>/<spec>/. */
  shot: (name: string, target?: Page) => Promise<void>;
  /**
   * Runs axe on the page and expects no violations (WCAG 2.1 A and AA rules). `exclude`: selectors axe
   * must not enter — an iframe with an empty sandbox, where axe cannot run and its frame handling hangs.
   */
  expectAccessible: (page?: Page, options?: { exclude?: string[] }) => Promise<void>;
}

/**
 * One Latchkey server and SMTP server per worker; each test gets the base URL and the mailbox, and
 * a test that asks for it gets its own run of the example application.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  database: ["pglite", { option: true, scope: "worker" }],
  latchkey: [
    async ({ database }, use) => {
      // The application is registered before the server starts: its URIs name the port it will use.
      const appPort = await freePort();
      let platformAppClient: PlatformAppClient | undefined;
      const server = await startLatchkey(database, {
        beforeStart: async (cli) => {
          platformAppClient = await registerPlatformApp(cli, appPort);
        },
      });
      if (!platformAppClient) throw new Error("the platform app was not registered");
      await use({ ...server, platformAppClient });
      await server.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
  platformApp: async ({ latchkey }, use, testInfo) => {
    const app = await startPlatformApp(latchkey.url, latchkey.platformAppClient);
    await use(app);
    await app.stop();
    if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach("platform-app.log", { body: app.output(), contentType: "text/plain" });
  },
  baseURL: async ({ latchkey }, use) => use(latchkey.url),
  mailbox: async ({ latchkey }, use) => use(latchkey.smtp),
  shot: async ({ page }, use, testInfo) => {
    let step = 0;
    await use(async (name, target = page) => {
      step += 1;
      const file = `${String(step).padStart(2, "0")}-${name}.png`;
      const spec = basename(testInfo.file, ".spec.ts");
      await target.screenshot({ path: `test-results/screens/${testInfo.project.name}/${spec}/${file}`, fullPage: true });
    });
  },
  expectAccessible: async ({ page }, use) => {
    await use(async (target = page, options = {}) => {
      // Legacy mode runs axe in the page itself: the default finishes every check in a new blank page,
      // which took 1.06 s a check against 0.47 s here (narrow-pages, 2026-12-07). Our pages have no
      // cross-origin frames (the mailbox's sandboxed iframe is excluded where it appears), which is
      // all the default adds. Only violations are collected: the passes were built and thrown away.
      let builder = new AxeBuilder({ page: target })
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
        .options({ resultTypes: ["violations"] })
        .setLegacyMode(true);
      for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
      const results = await builder.analyze();
      const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(" ")).join("\n  ")}`);
      expect(summary, `accessibility violations on ${target.url()}`).toEqual([]);
    });
  },
});

export { expect };
