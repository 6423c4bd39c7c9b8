import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints.ts";
import { Field } from "../components/field.tsx";
import { FormResult, Notice } from "../components/notice.tsx";
import { SubmitButton } from "../components/submit-button.tsx";
import type { FieldErrors } from "../lib/form-errors.ts";
import { useFormSubmit } from "../lib/use-form-submit.ts";
import { usePageTitle } from "../lib/use-page-title.ts";
import { safeNext } from "../session/require-auth.tsx";
import { useSession } from "../session/session.tsx";
import { PasskeySignIn } from "./passkey-sign-in.tsx";
import type { SecondStep as Step } from "../api/types.ts";
import { SecondStep } from "./second-factor/second-step.tsx";

const FIELDS = ["email", "password"] as const;
type LoginField = (typeof FIELDS)[number];
const fieldId = (field: LoginField) => `login-${field}`;

export function LoginPage() {
  usePageTitle("Sign in");
  const { state, config, refresh, signedOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const arrival = location.state as { sessionEnded?: boolean; signedOut?: boolean; companyDeleted?: boolean } | null;
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [step, setStep] = useState<Step | null>(null);
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId, leavesOnSuccess: true, focusRefusedField: false });

  async function signedIn() {
    await refresh();
    navigate(next, { replace: true });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FieldErrors<LoginField> = {};
    if (!email.trim()) missing.email = "Enter your email address.";
    if (!password) missing.password = "Enter your password.";
    void run(async () => {
      const answer = await api.login({ email: email.trim(), password });
      // A second factor is owed: no session yet, the page asks for it (decision 0037).
      if (answer.secondStep) {
        setPassword("");
        setStep(answer.secondStep);
        return;
      }
      await signedIn();
    }, { invalid: missing });
  }

  if (step && state.status !== "signed-in") {
    return <SecondStep step={step} onDone={signedIn} onRestart={() => window.location.reload()} />;
  }

  if (state.status === "signed-in") {
    return (
      <>
        <h1 tabIndex={-1}>You are signed in</h1>
        <p>
          You are signed in as <strong>{state.me.user.name}</strong> ({state.me.user.email}).
        </p>
        <div className="button-row">
          <Link to={next} className="button button-primary">
            Continue to the dashboard
          </Link>
          <button
            type="button"
            className="button"
            onClick={async () => {
              await api.logout().catch(() => undefined);
              signedOut();
            }}
          >
            Sign out
          </button>
        </div>
      </>
    );
  }

  return (
    <>
      <h1 tabIndex={-1}>Sign in to Latchkey</h1>
      {arrival?.sessionEnded ? <Notice tone="info">Your session has ended. Sign in again to continue.</Notice> : null}
      {arrival?.signedOut ? <Notice tone="success">You have signed out.</Notice> : null}
      {arrival?.companyDeleted ? <Notice tone="success">The company was deleted and everyone in it was signed out.</Notice> : null}
      <form onSubmit={submit} noValidate className="form">
        <Field
          id={fieldId("email")}
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={errors.email}
        />
        <Field
          id={fieldId("password")}
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={errors.password}
        />
        <FormResult message={message} />
        <SubmitButton busy={busy} busyLabel="Signing in…" block>
          Sign in
        </SubmitButton>
        <p className="form-footer">
          <Link to="/forgot-password">Forgot password?</Link>
        </p>
      </form>
      <PasskeySignIn onSignedIn={signedIn} />
      {config.signup ? (
        <p className="auth-alternative">
          New to Latchkey? <Link to="/register">Register your company</Link>
        </p>
      ) : null}
    </>
  );
}
