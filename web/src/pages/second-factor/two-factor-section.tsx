import { useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import type { SecondFactorSettings } from "../../api/types.ts";
import { Field } from "../../components/field.tsx";
import { FormResult, Notice } from "../../components/notice.tsx";
import { ErrorState, LoadingState } from "../../components/states.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import { formatDateTime, plural } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";
import { useResource } from "../../lib/use-resource.ts";
import { useMe } from "../../session/session.tsx";
import { RecoveryCodesShown } from "./recovery-codes-shown.tsx";
import { TotpSetup } from "./totp-setup.tsx";

type Mode = { kind: "view" } | { kind: "setup" } | { kind: "codes"; codes: string[]; justEnabled: boolean } | { kind: "password"; action: "disable" | "regenerate" };

/** Account settings: the person's own authenticator app and recovery codes. */
export function TwoFactorSection() {
  const settings = useResource(() => api.secondFactor(), "second-factor");
  const [mode, setMode] = useState<Mode>({ kind: "view" });
  const back = (message?: string) => {
    setMode({ kind: "view" });
    setDone(message ?? null);
    settings.reload();
  };
  const [done, setDone] = useState<string | null>(null);

  let body;
  if (settings.error && !settings.data) body = <ErrorState error={settings.error} onRetry={settings.reload} />;
  else if (!settings.data) body = <LoadingState label="Loading two-factor authentication…" />;
  else if (mode.kind === "setup")
    body = (
      <TotpSetup
        idPrefix="account-totp"
        start={() => api.startTotp()}
        confirm={(code) => api.confirmTotp(code)}
        onConfirmed={(codes) => setMode({ kind: "codes", codes, justEnabled: true })}
        onCancel={() => back()}
      />
    );
  else if (mode.kind === "codes")
    body = (
      <>
        {mode.justEnabled ? <Notice tone="success">Two-factor authentication is on. Signing in now asks for a code from your app after your password.</Notice> : <Notice tone="success">New recovery codes were made; the old ones no longer work.</Notice>}
        <RecoveryCodesShown codes={mode.codes} headingId="account-recovery-heading" />
        <button type="button" className="button button-primary" onClick={() => back()}>
          I have kept my codes
        </button>
      </>
    );
  else if (mode.kind === "password")
    body = <PasswordConfirm action={mode.action} onCancel={() => back()} onDisabled={() => back("The authenticator app was turned off.")} onCodes={(codes) => setMode({ kind: "codes", codes, justEnabled: false })} />;
  else body = <Overview settings={settings.data} done={done} onSetup={() => { setDone(null); setMode({ kind: "setup" }); }} onPassword={(action) => { setDone(null); setMode({ kind: "password", action }); }} />;

  return (
    <section className="card card-narrow" aria-labelledby="account-2fa-heading">
      <div className="card-header">
        <h2 id="account-2fa-heading">Two-factor authentication</h2>
      </div>
      {body}
    </section>
  );
}

function Overview({ settings, done, onSetup, onPassword }: { settings: SecondFactorSettings; done: string | null; onSetup: () => void; onPassword: (action: "disable" | "regenerate") => void }) {
  const on = settings.totp.status === "on";
  return (
    <>
      {done ? <Notice tone="success">{done}</Notice> : null}
      {!on && settings.enrolmentOwed ? (
        <Notice tone="warning" title="Your company requires two-factor authentication">
          {settings.requiredFrom ? `Set it up before ${formatDateTime(settings.requiredFrom)}; after that, you will have to set it up when you next sign in.` : "Set it up now."}
        </Notice>
      ) : null}
      <p className="second-factor-status">
        <strong>Authenticator app: {on ? "on" : "off"}</strong>
        {on && settings.totp.since ? <span className="muted">since {formatDateTime(settings.totp.since)}</span> : null}
      </p>
      {on ? (
        <>
          <p>
            {settings.recoveryCodesLeft === null
              ? "You have no recovery codes."
              : `You have ${plural(settings.recoveryCodesLeft, "unused recovery code")}.`}{" "}
            Each signs you in once if you lose your phone.
          </p>
          {settings.recoveryCodesLeft !== null && settings.recoveryCodesLeft <= 3 ? <Notice tone="warning">You are running out of recovery codes: make a new set.</Notice> : null}
          <div className="button-row">
            <button type="button" className="button" onClick={() => onPassword("regenerate")}>
              Make new recovery codes
            </button>
            <button type="button" className="button button-danger-outline" onClick={() => onPassword("disable")}>
              Turn off the authenticator app
            </button>
          </div>
        </>
      ) : (
        <>
          <p>Protect your account with a code from an authenticator app on your phone, asked for after your password when you sign in.</p>
          <button type="button" className="button button-primary" onClick={onSetup}>
            Set up an authenticator app
          </button>
        </>
      )}
    </>
  );
}

function PasswordConfirm({ action, onCancel, onDisabled, onCodes }: { action: "disable" | "regenerate"; onCancel: () => void; onDisabled: () => void; onCodes: (codes: string[]) => void }) {
  const me = useMe();
  const [password, setPassword] = useState("");
  const { busy, errors, message, run } = useFormSubmit({ fields: ["password"], fieldId: () => "second-factor-password", codeToField: { CURRENT_PASSWORD_INCORRECT: "password" } });
  function submit(event: FormEvent) {
    event.preventDefault();
    void run(
      async () => {
        if (action === "disable") {
          await api.turnOffTotp(password);
          onDisabled();
        } else {
          const { recoveryCodes } = await api.regenerateRecoveryCodes(password);
          onCodes(recoveryCodes);
        }
      },
      { invalid: password ? {} : { password: "Enter your password." } },
    );
  }
  return (
    <form onSubmit={submit} noValidate className="form">
      <p>{action === "disable" ? "Turning off the authenticator app makes your password the only thing needed to sign in. Your recovery codes stop working too." : "A new set of ten recovery codes replaces your current ones, which stop working."}</p>
      <input type="email" name="username" autoComplete="username" value={me.user.email} readOnly hidden />
      <Field id="second-factor-password" label="Your password" hint="Asked again to confirm it is you." type="password" autoComplete="current-password" autoFocus required value={password} onChange={(event) => setPassword(event.target.value)} error={errors.password} />
      <FormResult message={message} />
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel={action === "disable" ? "Turning off…" : "Making codes…"}>
          {action === "disable" ? "Turn off" : "Make new codes"}
        </SubmitButton>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
