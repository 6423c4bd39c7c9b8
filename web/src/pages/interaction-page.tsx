import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, interactionRequest, messageOf } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import type { InteractionDetails, SecondStep as Step } from "../api/types.ts";
import { SecondStep } from "./second-factor/second-step.tsx";
import { PasskeySignIn } from "./passkey-sign-in.tsx";
import { Field } from "../components/field.tsx";
import { FormResult, Notice } from "../components/notice.tsx";
import { LoadingState } from "../components/states.tsx";
import { SubmitButton } from "../components/submit-button.tsx";
import type { FieldErrors } from "../lib/form-errors.ts";
import { useFormSubmit } from "../lib/use-form-submit.ts";
import { usePageTitle } from "../lib/use-page-title.ts";

const FIELDS = ["email", "password"] as const;
type LoginField = (typeof FIELDS)[number];
const fieldId = (field: LoginField) => `interaction-${field}`;

type Load = { status: "loading" } | { status: "error"; error: unknown } | { status: "ready"; details: InteractionDetails } | { status: "leaving"; to: string };

/**
 * Where an application's sign-in lands (OpenID Connect): which application asks, the Latchkey
 * sign-in when the browser has none, the company to act in when the application asks for a choice,
 * and what the application will see when it is not the platform's own.
 */
export function InteractionPage() {
  const { uid = "" } = useParams();
  const base = `/interaction/${encodeURIComponent(uid)}` as const;
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [companyId, setCompanyId] = useState<string>("");
  const [actionError, setActionError] = useState<string | null>(null);
  const [acting, setActing] = useState(false);
  const autoContinued = useRef(false);
  const details = load.status === "ready" ? load.details : null;
  usePageTitle(details ? `Sign in to ${details.client.name}` : "Sign in");

  const leave = useCallback((to: string) => {
    setLoad({ status: "leaving", to });
    window.location.assign(to);
  }, []);

  const refresh = useCallback(async () => {
    try {
      const next = await interactionRequest<InteractionDetails>("GET", `${base}/details`);
      setLoad({ status: "ready", details: next });
      setCompanyId((current) => current || next.companies[0]?.id || "");
    } catch (error) {
      setLoad({ status: "error", error });
    }
  }, [base]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const proceed = useCallback(
    async (chosen?: string) => {
      setActing(true);
      setActionError(null);
      try {
        const result = await interactionRequest<{ redirectTo: string }>("POST", `${base}/continue`, chosen ? { companyId: chosen } : {});
        leave(result.redirectTo);
      } catch (error) {
        setActing(false);
        if (error instanceof ApiError && error.status === 404) setLoad({ status: "error", error });
        else setActionError(messageOf(error));
      }
    },
    [base, leave],
  );

  // The platform's own application, the user's own company: nothing to ask, straight back.
  useEffect(() => {
    if (!details || !details.user || autoContinued.current) return;
    if (details.client.firstParty && details.company.request === "own") {
      autoContinued.current = true;
      void proceed();
    }
  }, [details, proceed]);

  async function cancel() {
    setActing(true);
    try {
      const result = await interactionRequest<{ redirectTo: string }>("POST", `${base}/abort`);
      leave(result.redirectTo);
    } catch (error) {
      setActing(false);
      setActionError(messageOf(error));
    }
  }

  async function useAnotherAccount() {
    setActing(true);
    await api.logout().catch(() => undefined);
    setActing(false);
    autoContinued.current = true;
    await refresh();
  }

  if (load.status === "loading") return <LoadingState label="Loading the sign-in…" />;
  if (load.status === "leaving") return <LoadingState label="Returning to the application…" />;
  if (load.status === "error") {
    const expired = load.error instanceof ApiError && load.error.status === 404;
    return (
      <>
        <h1 tabIndex={-1}>{expired ? "This sign-in has expired" : "The sign-in could not be loaded"}</h1>
        <Notice tone={expired ? "info" : "error"}>{expired ? "Go back to the application and sign in again." : messageOf(load.error)}</Notice>
        {!expired ? (
          <button type="button" className="button" onClick={() => void refresh()}>
            Try again
          </button>
        ) : null}
      </>
    );
  }

  const d = load.details;
  if (!d.user) return <InteractionLogin details={d} base={base} onSignedIn={() => void refresh()} onCancel={() => void cancel()} busy={acting} />;
  if (d.client.firstParty && d.company.request === "own" && !actionError) return <LoadingState label={`Signing you in to ${d.client.name}…`} />;

  const choosing = d.company.request === "select";
  return (
    <>
      <h1 tabIndex={-1}>Continue to {d.client.name}</h1>
      <p>
        Signed in as <strong>{d.user.name}</strong> ({d.user.email}), {d.user.companyName}.
      </p>
      <p className="muted">
        {d.client.name} is at <span className="nowrap">{d.client.returnsTo}</span>.
      </p>
      {actionError ? <Notice tone="error">{actionError}</Notice> : null}
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void proceed(choosing ? companyId : undefined);
        }}
      >
        {choosing ? (
          <fieldset className="choice-list">
            <legend>Company to act in</legend>
            {d.companies.map((company) => (
              <label key={company.id} className="choice">
                <input type="radio" name="company" value={company.id} checked={companyId === company.id} onChange={() => setCompanyId(company.id)} />
                <span>
                  {company.name}
                  {company.own ? <span className="muted"> (your company)</span> : null}
                </span>
              </label>
            ))}
          </fieldset>
        ) : d.company.request === "named" ? (
          d.company.requested ? (
            <p>
              You will act in <strong>{d.company.requested.name}</strong>.
            </p>
          ) : (
            <Notice tone="warning">The application asked for a company you cannot act in. Continuing returns you to the application without signing in.</Notice>
          )
        ) : null}
        {!d.client.firstParty && d.scopes.length > 0 ? (
          <>
            <p>{d.client.name} will be able to:</p>
            <ul>
              {d.scopes.map((scope) => (
                <li key={scope.scope}>{scope.label}</li>
              ))}
            </ul>
          </>
        ) : null}
        <SubmitButton busy={acting} busyLabel="Continuing…" block>
          Continue
        </SubmitButton>
      </form>
      <div className="button-row">
        <button type="button" className="button" onClick={() => void useAnotherAccount()} disabled={acting}>
          Use another account
        </button>
        <button type="button" className="button" onClick={() => void cancel()} disabled={acting}>
          Cancel
        </button>
      </div>
    </>
  );
}

function InteractionLogin({ details, base, onSignedIn, onCancel, busy: cancelling }: { details: InteractionDetails; base: `/interaction/${string}`; onSignedIn: () => void; onCancel: () => void; busy: boolean }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [step, setStep] = useState<Step | null>(null);
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId, leavesOnSuccess: true, focusRefusedField: false });

  function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FieldErrors<LoginField> = {};
    if (!email.trim()) missing.email = "Enter your email address.";
    if (!password) missing.password = "Enter your password.";
    void run(async () => {
      const answer = await interactionRequest<{ ok: true; secondStep?: Step }>("POST", `${base}/login`, { email: email.trim(), password });
      // The same second step as the dashboard's sign-in: no session until it is taken.
      if (answer.secondStep) {
        setPassword("");
        setStep(answer.secondStep);
        return;
      }
      onSignedIn();
    }, { invalid: missing });
  }

  if (step) return <SecondStep step={step} onDone={onSignedIn} onRestart={() => window.location.reload()} />;

  return (
    <>
      <h1 tabIndex={-1}>Sign in to continue to {details.client.name}</h1>
      <p className="muted">
        {details.client.name} ({details.client.returnsTo}) uses Latchkey to sign you in.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <Field id={fieldId("email")} label="Email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} error={errors.email} />
        <Field id={fieldId("password")} label="Password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} error={errors.password} />
        <FormResult message={message} />
        <SubmitButton busy={busy} busyLabel="Signing in…" block>
          Sign in
        </SubmitButton>
        <p className="form-footer">
          <Link to="/forgot-password">Forgot password?</Link>
        </p>
      </form>
      <PasskeySignIn interaction={base} onSignedIn={onSignedIn} />
      <div className="button-row">
        <button type="button" className="button" onClick={onCancel} disabled={cancelling}>
          Cancel and return to {details.client.name}
        </button>
      </div>
    </>
  );
}
