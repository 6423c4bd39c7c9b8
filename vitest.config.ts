import { defineConfig } from "vitest/config";

const shared = {
  include: ["tests/integration/**/*.test.ts", "tests/unit/**/*.test.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

// Integration tests run on PGlite always, and on PostgreSQL too when TEST_DATABASE_URL names a server.
const postgresUrl = process.env.TEST_DATABASE_URL;

export default defineConfig({
  test: {
    // Each file owns its database; two at a time suits a 2-core machine.
    pool: "forks",
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: "pglite", env: { TEST_DATABASE_URL: "" } } },
      ...(postgresUrl ? [{ test: { ...shared, name: "postgres", env: { TEST_DATABASE_URL: postgresUrl } } }] : []),
      // Real processes (the service, PostgreSQL, SMTP) killed and restarted: after the integration
      // projects, one file at a time, so their timings do not fight the rest of the suite for 2 cores.
      {
        test: {
          name: "faults",
          include: ["tests/faults/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
          env: { TEST_DATABASE_URL: postgresUrl ?? "" },
        },
      },
    ],
  },
});
