import { totpCode } from "../../src/features/second-factor/totp.ts";
import type { TestClient } from "./client.ts";
import { FACTORY_PASSWORD } from "./factories.ts";
import type { TestApp } from "./test-app.ts";

/** Turns on an authenticator app in the account settings of a signed-in browser, as a person would. */
export async function enrolTotp(t: TestApp, client: TestClient): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await client.post("/api/v1/account/second-factor/totp");
  if (started.status !== 200) throw new Error(`enrolment refused: ${started.status} ${JSON.stringify(started.body)}`);
  const secret = started.body.secret as string;
  const confirmed = await client.post("/api/v1/account/second-factor/totp/confirm", { code: totpCode(secret, t.clock.now()) });
  if (confirmed.status !== 200) throw new Error(`confirmation refused: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  // The confirming code's step is used: the next code comes from the next step.
  t.clock.advance(30_000);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

/** A browser that typed the right password and now owes the second step. */
export async function passwordStep(t: TestApp, email: string, clientAddress?: string, password = FACTORY_PASSWORD) {
  const client = t.client(clientAddress);
  const reply = await client.post("/api/v1/auth/login", { email, password });
  return { client, reply };
}

export const currentCode = (t: TestApp, secret: string) => totpCode(secret, t.clock.now());
