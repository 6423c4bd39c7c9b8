import { basename } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";
import type { TestSmtpServer } from "../../support/smtp-server.ts";
import { startLatchkey, type DatabaseKind, type LatchkeyServer } from "./latchkey-server.ts";

export interface LatchkeyOptions {
  database: DatabaseKind;
}

interface WorkerFixtures extends LatchkeyOptions {
  latchkey: LatchkeyServer;
}

interface TestFixtures {
  mailbox: TestSmtpServer;
  /** Screenshot of the page (or another one), numbered and named for the step, into test-results/screens/<project>/<spec>/. */
  shot: (name: string, target?: Page) => Promise<void>;
  /** Runs axe on the page and expects no violations (WCAG 2.1 A and AA rules). */
  expectAccessible: (page?: Page) => Promise<void>;
}

/** One Latchkey server and SMTP server per worker; each test gets the base URL and the mailbox. */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  database: ["pglite", { option: true, scope: "worker" }],
  latchkey: [
    async ({ database }, use) => {
      const server = await startLatchkey(database);
      await use(server);
      await server.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
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
    await use(async (target = page) => {
      const results = await new AxeBuilder({ page: target }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
      const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(" ")).join("\n  ")}`);
      expect(summary, `accessibility violations on ${target.url()}`).toEqual([]);
    });
  },
});

export { expect };
