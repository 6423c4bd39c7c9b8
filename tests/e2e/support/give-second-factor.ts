/**
 * Gives a user second factors on the installation's database, by writing their rows as the
 * integration tests do (tests/support/second-factors.ts): the administrator's journeys need a user
 * who has one, and enrolling is another part's flow. Run by `latchkey.script(…)` with the server's
 * environment: node tests/e2e/support/give-second-factor.ts <email> [passkeys] [recovery codes]
 */
import { eq } from "drizzle-orm";
import pino from "pino";
import { loadConfig } from "../../../src/config.ts";
import { users } from "../../../src/db/schema.ts";
import { buildDeps, closeDeps, createLogger } from "../../../src/deps.ts";
import { normalizeEmail } from "../../../src/features/email-address.ts";
import { giveSecondFactors } from "../../support/second-factors.ts";

const [email, passkeys = "1", recoveryCodes = "10"] = process.argv.slice(2);
if (!email) throw new Error("usage: give-second-factor.ts <email> [passkeys] [recovery codes]");
const deps = await buildDeps(loadConfig(), { logger: createLogger("warn", pino.destination(2)) });
try {
  const [user] = await deps.db.select({ id: users.id }).from(users).where(eq(users.emailNormalized, normalizeEmail(email)));
  if (!user) throw new Error(`no user ${email}`);
  await giveSecondFactors(deps, user.id, { totp: true, passkeys: Number(passkeys), recoveryCodes: Number(recoveryCodes) });
  console.log(`${email}: an authenticator app, ${passkeys} passkeys, ${recoveryCodes} recovery codes`);
} finally {
  await closeDeps(deps);
}
process.exit(0);
