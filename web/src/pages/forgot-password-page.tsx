import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/endpoints.ts";
import { Field } from "../components/field.tsx";
import { FormResult } from "../components/notice.tsx";
import { SubmitButton } from "../components/submit-button.tsx";
import { useFormSubmit } from "../lib/use-form-submit.ts";
import { usePageTitle } from "../lib/use-page-title.ts";

const NEUTRAL_ANSWER = "If an account exists for that address, we've sent a link to reset the password. It is valid for 24 hours.";

export function ForgotPasswordPage() {
  usePageTitle("Reset your password");
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, errors, message, setMessage, run } = useFormSubmit({ fields: ["email"], fieldId: () => "forgot-email", focusRefusedField: false });

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(
      async () => {
        const answer = await api.forgotPassword(email.trim());
        setSent(true);
        // The server's answer is the same for every address; show it as it is.
        return { tone: "success", text: answer.message ?? NEUTRAL_ANSWER };
      },
      { invalid: email.trim() ? {} : { email: "Enter your email address." } },
    );
  }

  return (
    <>
      <h1 tabIndex={-1}>Reset your password</h1>
      {sent ? null : <p className="lead">Enter the email address you sign in with. We will email you a link to choose a new password.</p>}
      <form onSubmit={submit} noValidate className="form" hidden={sent}>
        <Field id="forgot-email" label="Email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} error={errors.email} />
        <SubmitButton busy={busy} busyLabel="Sending…" block>
          Send reset link
        </SubmitButton>
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
