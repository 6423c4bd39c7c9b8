/**
 * Start-up to /readyz three ways: on PostgreSQL (the bench database), on a PGlite folder that
 * already exists, and on a fresh PGlite folder (which also creates the schema).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, summarize } from "./support.ts";

export interface StartupFigures {
  postgres: ReturnType<typeof summarize>;
  pgliteExisting: ReturnType<typeof summarize>;
  pgliteFresh: ReturnType<typeof summarize>;
}

async function timeStarts(env: NodeJS.ProcessEnv, runs: number, before?: () => NodeJS.ProcessEnv): Promise<number[]> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const server = await startServer({ ...env, ...before?.() });
    samples.push(server.readyMs);
    await server.stop();
  }
  return samples;
}

export async function measureStartup(databaseUrl: string, runs: { postgres: number; existing: number; fresh: number }): Promise<StartupFigures> {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn" };
  const pglite: NodeJS.ProcessEnv = { ...base, DATABASE_URL: undefined };
  const folders: string[] = [];
  const freshFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), "latchkey-bench-pglite-"));
    folders.push(folder);
    return { DATA_DIR: folder };
  };
  try {
    const postgres = await timeStarts({ ...base, DATABASE_URL: databaseUrl }, runs.postgres);
    const fresh = await timeStarts(pglite, runs.fresh, freshFolder);
    // The last fresh folder now exists, schema and all: every later start is an ordinary restart.
    const existingFolder = folders.at(-1) ?? freshFolder().DATA_DIR;
    const existing = await timeStarts({ ...pglite, DATA_DIR: existingFolder }, runs.existing);
    return { postgres: summarize(postgres), pgliteExisting: summarize(existing), pgliteFresh: summarize(fresh) };
  } finally {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }
}
