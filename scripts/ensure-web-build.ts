/**
 * Builds the dashboard when web/dist is missing or older than its sources, so that
 * `npm ci && npm start` on a fresh clone serves it. A current build is left alone (fast start).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const web = join(root, "web");
const builtIndex = join(web, "dist", "index.html");
const sources = [join(web, "src"), join(web, "public"), join(web, "index.html"), join(web, "vite.config.ts")];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

function buildIsCurrent(): boolean {
  if (!existsSync(builtIndex)) return false;
  const built = statSync(builtIndex).mtimeMs;
  return sources.every((source) => newestChange(source) <= built);
}

if (buildIsCurrent()) process.exit(0);

const viteCli = join(root, "node_modules", "vite", "bin", "vite.js");
if (!existsSync(viteCli)) {
  // A production install without devDependencies cannot build: serve what exists, and say so.
  const state = existsSync(builtIndex) ? "may be out of date" : "is not built, so only the API is served";
  console.warn(`The dashboard ${state}: Vite is not installed. Run \`npm ci\` (with dev dependencies) and \`npm run build:web\`.`);
  process.exit(0);
}

console.log("Building the dashboard (web/dist)…");
const result = spawnSync(process.execPath, [viteCli, "build", "--config", join(web, "vite.config.ts"), "--logLevel", "warn"], { cwd: root, stdio: "inherit" });
if (result.status !== 0) {
  console.error("The dashboard build failed; see the messages above.");
  process.exit(result.status ?? 1);
}
