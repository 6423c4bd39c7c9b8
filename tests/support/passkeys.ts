import { eq } from "drizzle-orm";
import type { Deps } from "../../src/deps.ts";
import { companies } from "../../src/db/schema.ts";
import type { TestClient } from "./client.ts";
import { SoftwareAuthenticator } from "./software-authenticator.ts";

/**
 * The company policy "passkey sign-in allowed", set straight in the database: its settings page and
 * API belong to the administrators' side of issue 18, built beside the passkeys.
 */
export async function setPasskeySignIn(deps: Pick<Deps, "db">, companyId: string, allowed: boolean): Promise<void> {
  await deps.db.update(companies).set({ passkeySignInAllowed: allowed }).where(eq(companies.id, companyId));
}

/** Registers a new software passkey for the signed-in browser; returns the authenticator and the stored passkey. */
export async function registerPasskey(browser: TestClient, name?: string) {
  const authenticator = new SoftwareAuthenticator();
  const options = await browser.post("/api/v1/account/passkeys/options");
  if (options.status !== 200) throw new Error(`passkey options: ${options.status} ${JSON.stringify(options.body)}`);
  const reply = await browser.post("/api/v1/account/passkeys", { response: authenticator.register(options.body), ...(name ? { name } : {}) });
  if (reply.status !== 201) throw new Error(`passkey registration: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { authenticator, passkey: reply.body as { id: string; name: string } };
}

/** A passwordless sign-in attempt from a fresh browser; `answer` may bend the assertion. */
export async function signInWithPasskey(browser: TestClient, authenticator: SoftwareAuthenticator, answer: (options: { challenge: string }) => unknown = (options) => authenticator.assert(options)) {
  const options = await browser.post("/api/v1/auth/passkey/options");
  if (options.status !== 200) throw new Error(`passkey sign-in options: ${options.status} ${JSON.stringify(options.body)}`);
  return browser.post("/api/v1/auth/passkey/verify", { response: answer(options.body) });
}
