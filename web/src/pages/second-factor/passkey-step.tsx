import { useState } from "react";
import { ApiError } from "../../api/client.ts";
import { FormResult, Notice } from "../../components/notice.tsx";
import { useFormSubmit } from "../../lib/use-form-submit.ts";
import { passkeySecondStep, passkeysSupported } from "../../lib/webauthn.ts";

/**
 * The second step with a passkey: one button, the browser's prompt (the server offers only this
 * user's passkeys), then the session. `onUseCode` switches to the code form when the user has an
 * authenticator app or recovery codes too.
 */
export function PasskeyStep({ onDone, onExpired, onUseCode, onRestart }: { onDone: () => Promise<void> | void; onExpired: () => void; onUseCode: (() => void) | null; onRestart: () => void }) {
  const supported = passkeysSupported();
  const [tried, setTried] = useState(false);
  const { busy, message, run } = useFormSubmit({
    leavesOnSuccess: true,
    intercept: (error) => {
      if (error instanceof ApiError && error.code === "SIGN_IN_EXPIRED") {
        onExpired();
        return true;
      }
      return false;
    },
  });

  return (
    <>
      <h1 tabIndex={-1}>Two-factor authentication</h1>
      <p>Use your passkey to finish signing in: your device asks for its screen lock, fingerprint or face, or for your security key.</p>
      {supported ? (
        <div className="form">
          <button
            type="button"
            className="button button-primary button-block"
            aria-disabled={busy || undefined}
            onClick={() => {
              setTried(true);
              void run(async () => {
                await passkeySecondStep();
                await onDone();
              });
            }}
          >
            {busy ? "Waiting for your passkey…" : tried ? "Try your passkey again" : "Use your passkey"}
          </button>
          <FormResult message={message} />
        </div>
      ) : (
        <Notice tone="warning" title="This browser cannot use passkeys">
          {onUseCode ? "Use a code instead, or sign in from a browser that supports passkeys." : "Sign in from a current version of Chrome, Edge, Firefox or Safari, on a device that holds your passkey."}
        </Notice>
      )}
      <div className="button-row">
        {onUseCode ? (
          <button type="button" className="button button-quiet" onClick={onUseCode}>
            Use a code instead
          </button>
        ) : null}
        <button type="button" className="button button-quiet" onClick={onRestart}>
          Start again
        </button>
      </div>
    </>
  );
}
