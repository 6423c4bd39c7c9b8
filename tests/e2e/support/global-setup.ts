import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The server serves web/dist: build the dashboard once if it is missing or stale. */
export default function globalSetup(): void {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  execFileSync(process.execPath, ["scripts/ensure-web-build.ts"], { cwd: root, stdio: "inherit" });
}
