/**
 * `node tests/e2e/support/set-passkey-sign-in.ts <companyId> on|off`: the company policy "passkey
 * sign-in allowed", written straight to the installation's database (run through
 * LatchkeyServer.script). Its settings page belongs to the administrators' side of issue 18.
 */
import { loadConfig } from "../../../src/config.ts";
import { buildDeps, closeDeps, createLogger } from "../../../src/deps.ts";
import { setPasskeySignIn } from "../../support/passkeys.ts";

const [companyId, state] = process.argv.slice(2);
if (!companyId || (state !== "on" && state !== "off")) throw new Error("usage: set-passkey-sign-in.ts <companyId> on|off");
const deps = await buildDeps(loadConfig(process.env), { logger: createLogger("warn") });
try {
  await setPasskeySignIn(deps, companyId, state === "on");
} finally {
  await closeDeps(deps);
}
console.log(`passkey sign-in ${state} for ${companyId}`);
