import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints.ts";
import { messageOf } from "../api/client.ts";
import { Field } from "../components/field.tsx";
import { FormResult, type FormMessage } from "../components/notice.tsx";
import { PageHeader } from "../components/page-header.tsx";
import { focusFirstError, splitApiError, type FieldErrors } from "../lib/form-errors.ts";
import { ROLE_LABELS } from "../lib/format.ts";
import { usePageTitle } from "../lib/use-page-title.ts";
import { useMe, useSession } from "../session/session.tsx";

export function AccountPage() {
  usePageTitle("Account settings");
  const me = useMe();
  return (
    <>
      <PageHeader
        title="Account settings"
        description={
          <p>
            Signed in as {me.user.email} · {ROLE_LABELS[me.user.role]} at {me.user.companyName}
          </p>
        }
      />
      <div className="sections">
        <NameSection />
        <ChangePasswordSection />
        <ResetLinkSection />
      </div>
    </>
  );
}

function NameSection() {
  const me = useMe();
  const { refresh } = useSession();
  const [name, setName] = useState(me.user.name);
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!name.trim()) {
      setError("Enter your name.");
      document.getElementById("account-name")?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    setMessage(null);
    try {
      await api.updateAccount(name.trim());
      await refresh();
      setMessage({ tone: "success", text: "Your name was saved." });
    } catch (failure) {
      const { fieldErrors, formError } = splitApiError(failure, ["name"] as const);
      setError(fieldErrors.name);
      setMessage(formError ? { tone: "error", text: formError } : null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card card-narrow" aria-labelledby="account-name-heading">
      <div className="card-header">
        <h2 id="account-name-heading">Profile</h2>
      </div>
      <form onSubmit={submit} noValidate className="form">
        <Field id="account-name" label="Name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} error={error} />
        <Field id="account-email" label="Email" type="email" readOnly value={me.user.email} hint="Your login. An administrator or manager of your company can change it." />
        <div className="form-actions">
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
            {busy ? "Saving…" : "Save name"}
          </button>
        </div>
        <FormResult message={message} />
      </form>
    </section>
  );
}

const PASSWORD_FIELDS = ["currentPassword", "newPassword", "newPasswordConfirmation"] as const;
type PasswordField = (typeof PASSWORD_FIELDS)[number];
const passwordId = (field: PasswordField) => `account-${field}`;
const EMPTY = { currentPassword: "", newPassword: "", newPasswordConfirmation: "" };

function ChangePasswordSection() {
  const me = useMe();
  const { config } = useSession();
  const [values, setValues] = useState<Record<PasswordField, string>>(EMPTY);
  const [errors, setErrors] = useState<FieldErrors<PasswordField>>({});
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: PasswordField) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: e.target.value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const found: FieldErrors<PasswordField> = {};
    if (!values.currentPassword) found.currentPassword = "Enter your current password.";
    if (values.newPassword.length < config.passwordMinLength) found.newPassword = `Use at least ${config.passwordMinLength} characters.`;
    else if (values.newPasswordConfirmation !== values.newPassword) found.newPasswordConfirmation = "The two passwords do not match.";
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setMessage(null);
      return focusFirstError(found, PASSWORD_FIELDS, passwordId);
    }
    setBusy(true);
    setMessage(null);
    try {
      await api.changePassword(values);
      setValues(EMPTY);
      setMessage({ tone: "success", text: "Your password was changed. Your other sessions were signed out; this one stays signed in." });
    } catch (error) {
      const { fieldErrors, formError } = splitApiError(error, PASSWORD_FIELDS, {
        CURRENT_PASSWORD_INCORRECT: "currentPassword",
        PASSWORD: "newPassword",
        PASSWORD_MISMATCH: "newPasswordConfirmation",
      });
      setErrors(fieldErrors);
      setMessage(formError ? { tone: "error", text: formError } : null);
      focusFirstError(fieldErrors, PASSWORD_FIELDS, passwordId);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card card-narrow" aria-labelledby="account-password-heading">
      <div className="card-header">
        <h2 id="account-password-heading">Change password</h2>
      </div>
      <form onSubmit={submit} noValidate className="form">
        <input type="email" name="username" autoComplete="username" value={me.user.email} readOnly hidden />
        <Field id={passwordId("currentPassword")} label="Current password" type="password" autoComplete="current-password" required value={values.currentPassword} onChange={set("currentPassword")} error={errors.currentPassword} />
        <Field
          id={passwordId("newPassword")}
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${config.passwordMinLength} characters.`}
          value={values.newPassword}
          onChange={set("newPassword")}
          error={errors.newPassword}
        />
        <Field id={passwordId("newPasswordConfirmation")} label="Confirm new password" type="password" autoComplete="new-password" required value={values.newPasswordConfirmation} onChange={set("newPasswordConfirmation")} error={errors.newPasswordConfirmation} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
            {busy ? "Changing…" : "Change password"}
          </button>
        </div>
        <FormResult message={message} />
      </form>
    </section>
  );
}

function ResetLinkSection() {
  const me = useMe();
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [busy, setBusy] = useState(false);

  async function send() {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      await api.sendMeResetLink();
      setMessage({ tone: "success", text: `We sent a password reset link to ${me.user.email}. Open it to choose a new password.` });
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card card-narrow" aria-labelledby="account-reset-heading">
      <div className="card-header">
        <h2 id="account-reset-heading">Forgot your current password?</h2>
      </div>
      <div className="form">
        <p>We can email you a link to choose a new password without entering the current one.</p>
        <div className="form-actions">
          <button type="button" className="button" onClick={send} aria-disabled={busy || undefined}>
            {busy ? "Sending…" : "Send me a password reset link"}
          </button>
        </div>
        <FormResult message={message} />
      </div>
    </section>
  );
}
