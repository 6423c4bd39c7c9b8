import { useState, type FormEvent } from "react";
import { Link, Navigate, useNavigate } from "react-router-dom";
import { api } from "../api/endpoints.ts";
import { Field } from "../components/field.tsx";
import { FormResult, Notice } from "../components/notice.tsx";
import { SubmitButton } from "../components/submit-button.tsx";
import type { FieldErrors } from "../lib/form-errors.ts";
import { useFormSubmit } from "../lib/use-form-submit.ts";
import { usePageTitle } from "../lib/use-page-title.ts";
import { useSession } from "../session/session.tsx";

const FIELDS = ["companyName", "name", "email", "password"] as const;
type RegisterField = (typeof FIELDS)[number];
const fieldId = (field: RegisterField) => `register-${field}`;

export function RegisterPage() {
  usePageTitle("Register your company");
  const { state, config, refresh } = useSession();
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<RegisterField, string>>({ companyName: "", name: "", email: "", password: "" });
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId, codeToField: { PASSWORD: "password", EMAIL_TAKEN: "email" }, leavesOnSuccess: true });

  if (state.status === "signed-in" && !busy) return <Navigate to="/company" replace />;

  if (!config.signup) {
    return (
      <>
        <h1 tabIndex={-1}>Registration is closed</h1>
        <Notice tone="info">Self-service registration is turned off on this installation. Ask your platform's support team for an account.</Notice>
        <p className="form-footer">
          <Link to="/login">Back to sign in</Link>
        </p>
      </>
    );
  }

  const set = (field: RegisterField) => (event: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: event.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FieldErrors<RegisterField> = {};
    if (!values.companyName.trim()) missing.companyName = "Enter your company's name.";
    if (!values.name.trim()) missing.name = "Enter your name.";
    if (!values.email.trim()) missing.email = "Enter your email address.";
    if (values.password.length < config.passwordMinLength) missing.password = `Use at least ${config.passwordMinLength} characters.`;
    void run(async () => {
      await api.register({ companyName: values.companyName.trim(), name: values.name.trim(), email: values.email.trim(), password: values.password });
      await refresh();
      navigate("/company", { replace: true });
    }, { invalid: missing });
  }

  return (
    <>
      <h1 tabIndex={-1}>Register your company</h1>
      <p className="lead">You will be its administrator and can invite your colleagues next.</p>
      <form onSubmit={submit} noValidate className="form">
        <Field id={fieldId("companyName")} label="Company name" autoComplete="organization" required value={values.companyName} onChange={set("companyName")} error={errors.companyName} />
        <Field id={fieldId("name")} label="Your name" autoComplete="name" required value={values.name} onChange={set("name")} error={errors.name} />
        <Field id={fieldId("email")} label="Email" type="email" autoComplete="email" required value={values.email} onChange={set("email")} error={errors.email} />
        <Field
          id={fieldId("password")}
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${config.passwordMinLength} characters. A long phrase is easy to remember and hard to guess.`}
          value={values.password}
          onChange={set("password")}
          error={errors.password}
        />
        <FormResult message={message} />
        <SubmitButton busy={busy} busyLabel="Creating your account…" block>
          Create account
        </SubmitButton>
      </form>
      <p className="auth-alternative">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </>
  );
}
