import { browserSupportsWebAuthn, startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { ApiError, interactionRequest } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import type { Answer, RequestBody } from "../api/types.ts";

type RequestOptionsJSON = Answer<"/auth/passkey/options", "post">;

/** Whether this browser can use passkeys at all (an old browser, or a page not in a secure context, cannot). */
export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/**
 * The browser's prompt failed or was closed: told as one plain sentence, like a refusal of the API,
 * so forms show it the same way. The reasons a browser gives (cancelled, timed out, not allowed
 * here) are not told apart by the WebAuthn API on purpose, so neither are they here.
 */
function promptFailed(error: unknown): ApiError {
  const name = error instanceof Error ? error.name : "";
  if (name === "InvalidStateError") return new ApiError(0, "PASSKEY_ALREADY_REGISTERED", "This device already holds a passkey for your account.");
  return new ApiError(0, "PASSKEY_PROMPT_FAILED", "The passkey prompt was closed or timed out. Nothing was changed; try again when you are ready.");
}

/** Account settings: options from the server, the browser's prompt, the answer back to the server. */
export async function registerPasskey(name?: string) {
  const options = await api.passkeyRegistrationOptions();
  let answer;
  try {
    // The API documents the options' fields as plain strings; they are exactly the library's JSON.
    answer = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  } catch (error) {
    throw promptFailed(error);
  }
  return api.registerPasskey({ response: answer as unknown as RequestBody<"/account/passkeys", "post">["response"], ...(name ? { name } : {}) });
}

/** The enrolment step of a sign-in (a factor owed, none held): a new passkey, which finishes the sign-in. */
export async function enrolPasskeyAtSignIn() {
  const options = await api.passkeyEnrolmentOptions();
  let answer;
  try {
    answer = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  } catch (error) {
    throw promptFailed(error);
  }
  return api.enrolPasskeyAtSignIn({ response: answer as unknown as RequestBody<"/auth/second-factor/enrol/passkey", "post">["response"] });
}

/** The second step of a sign-in (after the password): one of this user's own passkeys. */
export async function passkeySecondStep() {
  const options = await api.passkeySecondStepOptions();
  let answer;
  try {
    answer = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  } catch (error) {
    throw promptFailed(error);
  }
  return api.passkeySecondStep({ response: answer as unknown as RequestBody<"/auth/second-factor/passkey", "post">["response"] });
}

/**
 * A passwordless sign-in with whichever passkey the person picks: the dashboard's sign-in page, or
 * an application's (`interaction`: the OpenID interaction's base path, whose routes check the
 * interaction is live and then do the same).
 */
export async function signInWithPasskey(interaction?: `/interaction/${string}`) {
  const options = interaction ? await interactionRequest<RequestOptionsJSON>("POST", `${interaction}/passkey/options`) : await api.passkeySignInOptions();
  let answer;
  try {
    answer = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  } catch (error) {
    throw promptFailed(error);
  }
  const response = answer as unknown as RequestBody<"/auth/passkey/verify", "post">["response"];
  return interaction ? interactionRequest<{ ok: true }>("POST", `${interaction}/passkey`, { response }) : api.passkeySignIn({ response });
}
