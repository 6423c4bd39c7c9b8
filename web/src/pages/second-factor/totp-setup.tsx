import { useEffect, useRef, useState, type FormEvent } from "react";
import type { TotpEnrolment } from "../../api/types.ts";
import { CopyField } from "../../components/copy-field.tsx";
import { Field } from "../../components/field.tsx";
import { FormResult } from "../../components/notice.tsx";
import { ErrorState, LoadingState } from "../../components/states.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import { useFormSubmit } from "../../lib/use-form-submit.ts";

/** The key as apps show it, in groups of four, easier to type. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(" ") ?? secret;

/**
 * Setting up an authenticator app, wherever it happens (account settings, or a sign-in that owes
 * it): a new key as a QR code and as text, then the app's first code turns it on.
 */
export function TotpSetup({ idPrefix, start, confirm, onConfirmed, onCancel }: { idPrefix: string; start: () => Promise<TotpEnrolment>; confirm: (code: string) => Promise<{ recoveryCodes: string[] }>; onConfirmed: (codes: string[]) => void; onCancel?: () => void }) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [code, setCode] = useState("");
  const { busy, errors, message, run } = useFormSubmit({ fields: ["code"], fieldId: () => `${idPrefix}-code`, codeToField: { TOTP_CODE_INCORRECT: "code", SECOND_FACTOR_INCORRECT: "code" } });

  // One key per setup: each start replaces the last one's key, so a second start (React's strict
  // mode mounts twice) would leave the page showing a key the server no longer holds.
  const started = useRef(false);
  function begin() {
    setFailure(null);
    start().then(setEnrolment, setFailure);
  }
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    begin();
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = code.replace(/\s+/g, "");
    void run(
      async () => {
        const { recoveryCodes } = await confirm(value);
        onConfirmed(recoveryCodes);
      },
      { invalid: /^\d{6}$/.test(value) ? {} : { code: "Enter the six digits the app shows." } },
    );
  }

  if (failure) return <ErrorState title="The authenticator app could not be set up" error={failure} onRetry={begin} />;
  if (!enrolment) return <LoadingState label="Making a new key…" />;
  return (
    <div className="totp-setup">
      <ol className="steps">
        <li>
          <p>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, 1Password or Aegis) and scan this QR code.</p>
          <img className="totp-qr" src={enrolment.qrCode} width={200} height={200} alt="QR code holding the key for your authenticator app. If you cannot scan it, type the key shown below." />
          <CopyField id={`${idPrefix}-key`} label="Or type this key into the app" value={grouped(enrolment.secret)} />
        </li>
        <li>
          <form onSubmit={submit} noValidate className="form">
            <Field
              id={`${idPrefix}-code`}
              label="Code from the app"
              hint="Six digits; a new one every 30 seconds."
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              required
              value={code}
              onChange={(event) => setCode(event.target.value)}
              error={errors.code}
            />
            <FormResult message={message} />
            <div className="form-actions">
              <SubmitButton busy={busy} busyLabel="Checking…">
                Turn on
              </SubmitButton>
              {onCancel ? (
                <button type="button" className="button" onClick={onCancel}>
                  Cancel
                </button>
              ) : null}
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}
