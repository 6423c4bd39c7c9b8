import { useFormSubmit } from "../lib/use-form-submit.ts";
import { FormResult } from "../components/notice.tsx";
import { passkeysSupported, signInWithPasskey } from "../lib/webauthn.ts";

/**
 * "Sign in with a passkey": the browser offers the passkeys it holds for this site; no email is
 * typed first. Where the person's company does not allow it, the server refuses as it refuses an
 * unknown passkey. Not shown where the browser has no WebAuthn. On an application's sign-in page
 * (`interaction`), the interaction's own routes; the page then continues as after a password.
 */
export function PasskeySignIn({ onSignedIn, interaction }: { onSignedIn: () => Promise<void> | void; interaction?: `/interaction/${string}` }) {
  const { busy, message, run } = useFormSubmit({ leavesOnSuccess: true });
  if (!passkeysSupported()) return null;
  return (
    <div className="passkey-sign-in">
      <p className="sign-in-or" aria-hidden="true">
        or
      </p>
      <button
        type="button"
        className="button button-block"
        aria-disabled={busy || undefined}
        onClick={() =>
          void run(async () => {
            await signInWithPasskey(interaction);
            await onSignedIn();
          })
        }
      >
        {busy ? "Waiting for your passkey…" : "Sign in with a passkey"}
      </button>
      <FormResult message={message} />
    </div>
  );
}
