import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import { ApiError } from "../../api/client.ts";
import type { SecondStep as Step, SecondStepMethod } from "../../api/types.ts";
import { Field } from "../../components/field.tsx";
import { FormResult, Notice } from "../../components/notice.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import { plural } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";
import { enrolPasskeyAtSignIn, passkeysSupported } from "../../lib/webauthn.ts";
import { RecoveryCodesShown } from "./recovery-codes-shown.tsx";
import { PasskeyStep } from "./passkey-step.tsx";
import { TotpSetup } from "./totp-setup.tsx";

/** The methods this page offers a form for; others in the server's list (passkeys) bring their own. */
type CodeMethod = Extract<SecondStepMethod, "totp" | "recovery_code">;
const isCodeMethod = (method: SecondStepMethod): method is CodeMethod => method === "totp" || method === "recovery_code";

/**
 * What follows a right password when a second factor is owed — on the dashboard's sign-in page and
 * on an application's (the interaction page): a code, or setting up a factor first. `onDone` runs
 * once the session exists; `onRestart` goes back to the password (the half-finished sign-in expired).
 */
export function SecondStep({ step, onDone, onRestart }: { step: Step; onDone: () => Promise<void> | void; onRestart: () => void }) {
  if (step.purpose === "enrol") return <EnrolStep methods={step.methods} reason={step.reason ?? "policy"} onDone={onDone} onRestart={onRestart} />;
  return <FactorStep methods={step.methods} onDone={onDone} onRestart={onRestart} />;
}

/** A passkey first when the user has one (one touch, nothing to type); the code form otherwise, or on request. */
function FactorStep({ methods, onDone, onRestart }: { methods: SecondStepMethod[]; onDone: () => Promise<void> | void; onRestart: () => void }) {
  const hasPasskey = methods.includes("passkey");
  const hasCodes = methods.some(isCodeMethod);
  const [passkey, setPasskey] = useState(hasPasskey);
  const [expired, setExpired] = useState(false);
  if (expired) return <Expired onRestart={onRestart} />;
  if (passkey) return <PasskeyStep onDone={onDone} onExpired={() => setExpired(true)} onUseCode={hasCodes ? () => setPasskey(false) : null} onRestart={onRestart} />;
  return <CodeStep methods={methods} onDone={onDone} onRestart={onRestart} onUsePasskey={hasPasskey ? () => setPasskey(true) : null} />;
}

function Expired({ onRestart }: { onRestart: () => void }) {
  return (
    <>
      <Notice tone="warning" title="This sign-in has expired">
        For your security, the second step must follow the password within five minutes, and only a few wrong codes are allowed. Sign in again with your password.
      </Notice>
      <button type="button" className="button button-primary" onClick={onRestart}>
        Sign in again
      </button>
    </>
  );
}

const LABELS: Record<CodeMethod, { label: string; hint: string; other: string }> = {
  totp: { label: "Code from your authenticator app", hint: "Six digits; a new one every 30 seconds.", other: "Use your authenticator app instead" },
  recovery_code: { label: "Recovery code", hint: "One of the codes you kept when you turned on two-factor authentication, like k3m9-…", other: "Use a recovery code instead" },
};

function CodeStep({ methods, onDone, onRestart, onUsePasskey }: { methods: SecondStepMethod[]; onDone: () => Promise<void> | void; onRestart: () => void; onUsePasskey: (() => void) | null }) {
  const offered = methods.filter(isCodeMethod);
  const [method, setMethod] = useState<CodeMethod>(offered[0] ?? "totp");
  const [code, setCode] = useState("");
  const [expired, setExpired] = useState(false);
  const [left, setLeft] = useState<number | null>(null);
  const { busy, errors, message, run } = useFormSubmit({ fields: ["code"], fieldId: () => "second-step-code", codeToField: { SECOND_FACTOR_INCORRECT: "code" }, leavesOnSuccess: true, intercept: (error) => {
    if (error instanceof ApiError && error.code === "SIGN_IN_EXPIRED") {
      setExpired(true);
      return true;
    }
    return false;
  } });

  useEffect(() => {
    api.pendingSignIn().then(
      (pending) => setLeft(pending.recoveryCodesLeft),
      () => undefined,
    );
  }, []);

  if (expired) return <Expired onRestart={onRestart} />;

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = code.trim();
    void run(
      async () => {
        await api.takeSecondStep({ method, code: value });
        await onDone();
      },
      { invalid: value ? {} : { code: method === "totp" ? "Enter the six digits the app shows." : "Enter a recovery code." } },
    );
  }

  const others = offered.filter((m) => m !== method);
  return (
    <>
      <h1 tabIndex={-1}>Two-factor authentication</h1>
      <p>{method === "totp" ? "Open your authenticator app and enter the code it shows for Latchkey." : "Enter one of your recovery codes. Each works once."}</p>
      {left !== null && offered.includes("recovery_code") ? (
        <Notice tone={left === 0 ? "warning" : "info"}>{left === 0 ? "You have no recovery codes left." : `You have ${plural(left, "recovery code")} left.`} Make new ones in your account settings once you are signed in.</Notice>
      ) : null}
      <form onSubmit={submit} noValidate className="form">
        <Field
          key={method}
          id="second-step-code"
          label={LABELS[method].label}
          hint={LABELS[method].hint}
          inputMode={method === "totp" ? "numeric" : "text"}
          autoComplete="one-time-code"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          required
          value={code}
          onChange={(event) => setCode(event.target.value)}
          error={errors.code}
        />
        <FormResult message={message} />
        <SubmitButton busy={busy} busyLabel="Checking…" block>
          Continue
        </SubmitButton>
      </form>
      <div className="button-row">
        {others.map((other) => (
          <button
            key={other}
            type="button"
            className="button button-quiet"
            onClick={() => {
              setMethod(other);
              setCode("");
            }}
          >
            {LABELS[other].other}
          </button>
        ))}
        {onUsePasskey ? (
          <button type="button" className="button button-quiet" onClick={onUsePasskey}>
            Use a passkey instead
          </button>
        ) : null}
        <button type="button" className="button button-quiet" onClick={onRestart}>
          Start again
        </button>
      </div>
    </>
  );
}

/** Why the enrolment step is owed, in the words of the person reading it. */
const ENROL_REASONS: Record<"reset" | "policy", string> = {
  reset: "An administrator reset your two-factor authentication. Set up a second step again to finish signing in.",
  policy: "Your company requires a second step at sign-in. Set one up to finish signing in.",
};

/**
 * A sign-in that owes a factor: the person picks a passkey (one prompt, and the sign-in is done) or
 * an authenticator app (a key, its first code, then recovery codes to keep) — a passkey first where
 * the browser can make one.
 */
function EnrolStep({ methods, reason, onDone, onRestart }: { methods: SecondStepMethod[]; reason: "reset" | "policy"; onDone: () => Promise<void> | void; onRestart: () => void }) {
  const passkeyOffered = methods.includes("passkey") && passkeysSupported();
  const [choice, setChoice] = useState<"passkey" | "totp" | null>(passkeyOffered ? null : "totp");
  const [codes, setCodes] = useState<string[] | null>(null);
  const [expired, setExpired] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const passkey = useFormSubmit({
    leavesOnSuccess: true,
    intercept: (error) => {
      if (error instanceof ApiError && error.code === "SIGN_IN_EXPIRED") {
        setExpired(true);
        return true;
      }
      return false;
    },
  });
  if (expired) return <Expired onRestart={onRestart} />;
  if (codes) {
    return (
      <>
        <h1 tabIndex={-1}>Two-factor authentication is on</h1>
        <RecoveryCodesShown codes={codes} headingId="enrol-recovery-heading" />
        <button
          type="button"
          className="button button-primary button-block"
          disabled={leaving}
          onClick={async () => {
            setLeaving(true);
            await onDone();
          }}
        >
          I have kept my codes — continue
        </button>
      </>
    );
  }
  const guard = <T,>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      if (error instanceof ApiError && error.code === "SIGN_IN_EXPIRED") setExpired(true);
      throw error;
    });
  if (choice === "totp") {
    return (
      <>
        <h1 tabIndex={-1}>Set up an authenticator app</h1>
        <p>{ENROL_REASONS[reason]}</p>
        <TotpSetup idPrefix="enrol-totp" start={() => guard(api.startTotpAtSignIn())} confirm={(code) => guard(api.confirmTotpAtSignIn(code))} onConfirmed={setCodes} onCancel={passkeyOffered ? () => setChoice(null) : onRestart} />
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1}>Set up two-factor authentication</h1>
      <p>{ENROL_REASONS[reason]}</p>
      <div className="form">
        <button
          type="button"
          className="button button-primary button-block"
          aria-disabled={passkey.busy || undefined}
          onClick={() => {
            setChoice("passkey");
            void passkey.run(async () => {
              await enrolPasskeyAtSignIn();
              await onDone();
            });
          }}
        >
          {passkey.busy ? "Waiting for your passkey…" : choice === "passkey" ? "Try making a passkey again" : "Make a passkey"}
        </button>
        <p className="field-hint">Your device asks for its screen lock, fingerprint or face, or for your security key.</p>
        <FormResult message={passkey.message} />
      </div>
      <div className="button-row">
        <button type="button" className="button button-quiet" onClick={() => setChoice("totp")}>
          Use an authenticator app instead
        </button>
        <button type="button" className="button button-quiet" onClick={onRestart}>
          Start again
        </button>
      </div>
    </>
  );
}
