import type { Deps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import { recordAuditEvent } from "../audit/record-audit-event.ts";
import { completeLogin, LOGIN_LIMITS, loginClientKey, signInDetails } from "../auth/login.ts";
import { crossedLimit, hitRateLimitsInTurn, rateLimited, type RateHit } from "../rate-limit.ts";
import { checkAssertion } from "./check-assertion.ts";
import { consumePasswordlessCeremony } from "./passkey-ceremonies.ts";
import { findCredentialForSignIn } from "./passkeys.queries.ts";
import { userIdOfHandle, type AssertionAnswer } from "./webauthn-answers.ts";

export interface PasskeySignInInput {
  answer: AssertionAnswer;
  /** The ceremony cookie's value. */
  ceremonyToken: string | undefined;
  clientAddress: string;
  userAgent: string | undefined;
}

/**
 * A passwordless sign-in. Counted like a login before anything is checked (the client's daily
 * failures, shared with the password; the credential's from this client), then the ceremony is
 * consumed (single use), then the passkey must belong to an active user of a live company whose
 * policy allows passkey sign-in — every refusal is the same PASSKEY_REFUSED, so nobody learns
 * whether a passkey, a user or a policy was the obstacle. A passkey with user verification is two
 * factors (something held, and a PIN or biometric): no second step follows. The session is opened
 * by login's own success path (completeLogin).
 */
export async function finishPasskeySignIn(deps: Pick<Deps, "db" | "clock" | "config">, input: PasskeySignInInput): Promise<{ sessionToken: string }> {
  const now = deps.clock.now();
  const clientKey = loginClientKey(input.clientAddress);
  const accountKey = `passkey:credential-client:${input.answer.id}:${input.clientAddress}`;
  const [client, account] = await hitRateLimitsInTurn(
    deps.db,
    [
      { key: clientKey, rule: LOGIN_LIMITS.clientDaily },
      { key: accountKey, rule: LOGIN_LIMITS.accountClient },
    ],
    now,
  );
  const refused = [client, account].filter((hit): hit is RateHit => hit != null && !hit.allowed);
  if (refused.length > 0) {
    if (crossedLimit(client, LOGIN_LIMITS.clientDaily) || crossedLimit(account, LOGIN_LIMITS.accountClient)) {
      await recordAuditEvent(deps.db, { action: "rate_limit.hit", outcome: "refused", clientAddress: input.clientAddress, details: { flow: "passkey_sign_in" }, at: now });
    }
    throw rateLimited(refused, now);
  }

  const challenge = await consumePasswordlessCeremony(deps.db, input.ceremonyToken, now);
  const credential = challenge === null ? null : await findCredentialForSignIn(deps.db, input.answer.id);
  const handle = userIdOfHandle(input.answer.response.userHandle);
  // The user handle, when the authenticator gives one, must name the passkey's own user.
  const ok = challenge !== null && credential !== null && (handle === null || handle === credential.userId) && (await checkAssertion(deps, credential, input.answer, challenge, now));
  if (!ok || !credential) {
    await recordAuditEvent(deps.db, {
      action: "login.failed",
      outcome: "failure",
      targetUserId: credential?.userId ?? null,
      targetCompanyId: credential?.companyId ?? null,
      clientAddress: input.clientAddress,
      details: signInDetails(input.userAgent, "passkey"),
      at: now,
    });
    throw new AppError("PASSKEY_REFUSED");
  }
  return completeLogin(deps, deps.db, {
    userId: credential.userId,
    companyId: credential.companyId,
    email: credential.email,
    accountKey,
    clientAddress: input.clientAddress,
    userAgent: input.userAgent,
    now,
    method: "passkey",
  });
}
