import { defineConfig } from "@playwright/test";
import type { LatchkeyOptions } from "./tests/e2e/support/fixtures.ts";

// Debian's Chromium, never a downloaded browser.
const launchOptions = {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

/** Journeys in Chromium against the real server: on PGlite always, on PostgreSQL too when TEST_DATABASE_URL is set. */
export default defineConfig<LatchkeyOptions>({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results/e2e",
  globalSetup: "./tests/e2e/support/global-setup.ts",
  // A journey is a whole flow of pages, screenshots and axe checks. The limit is against hangs, not
  // a speed goal: the same journey took 33 s alone and 186 s in a CI run on a busier machine
  // (managed-companies on PostgreSQL, 2026-12-07), so every journey has six minutes and none sets
  // its own.
  timeout: 360_000,
  expect: { timeout: 15_000 },
  // Each worker runs its own server and database; the journeys spend most of their time waiting on
  // the browser and the server, so two workers on the 2-core machine take the 42 journeys from about
  // 26 minutes to about 8 (local run, 2026-12-06). PLAYWRIGHT_WORKERS=1 goes back to one at a time.
  workers: Number(process.env.PLAYWRIGHT_WORKERS ?? 2),
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]] : "list",
  use: {
    launchOptions,
    locale: "en-GB",
    timezoneId: "UTC",
    viewport: { width: 1280, height: 860 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    { name: "pglite", use: { database: "pglite" } },
    ...(process.env.TEST_DATABASE_URL ? [{ name: "postgres", use: { database: "postgres" as const } }] : []),
  ],
});
