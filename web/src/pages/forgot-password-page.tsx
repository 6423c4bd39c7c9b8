import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/endpoints.ts";
import { Field } from "../components/field.tsx";
import { FormResult, type FormMessage } from "../components/notice.tsx";
import { splitApiError } from "../lib/form-errors.ts";
import { usePageTitle } from "../lib/use-page-title.ts";

const NEUTRAL_ANSWER = "If an account exists for that address, we've sent a link to reset the password. It is valid for 24 hours.";

export function ForgotPasswordPage() {
  usePageTitle("Reset your password");
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!email.trim()) {
      setError("Enter your email address.");
      document.getElementById("forgot-email")?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    setMessage(null);
    try {
      const answer = await api.forgotPassword(email.trim());
      // The server's answer is the same for every address; show it as it is.
      setMessage({ tone: "success", text: answer.message ?? NEUTRAL_ANSWER });
      setSent(true);
    } catch (failure) {
      const { fieldErrors, formError } = splitApiError(failure, ["email"] as const);
      setError(fieldErrors.email);
      setMessage(formError ? { tone: "error", text: formError } : null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>Reset your password</h1>
      {sent ? null : <p className="lead">Enter the email address you sign in with. We will email you a link to choose a new password.</p>}
      <form onSubmit={submit} noValidate className="form" hidden={sent}>
        <Field id="forgot-email" label="Email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} error={error} />
        <button type="submit" className="button button-primary button-block" aria-disabled={busy || undefined}>
          {busy ? "Sending…" : "Send reset link"}
        </button>
      </form>
      <FormResult message={message} />
      {sent ? (
        <p>
          Wrong address?{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setSent(false);
              setMessage(null);
            }}
          >
            Try another address
          </button>
        </p>
      ) : null}
      <p className="form-footer">
        <Link to="/login">Back to sign in</Link>
      </p>
    </>
  );
}
