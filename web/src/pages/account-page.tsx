import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints.ts";
import { Field } from "../components/field.tsx";
import { FormResult } from "../components/notice.tsx";
import { PageHeader } from "../components/page-header.tsx";
import { SubmitButton } from "../components/submit-button.tsx";
import type { FieldErrors } from "../lib/form-errors.ts";
import { ROLE_LABELS } from "../lib/format.ts";
import { useFormSubmit } from "../lib/use-form-submit.ts";
import { usePageTitle } from "../lib/use-page-title.ts";
import { useMe, useSession } from "../session/session.tsx";
import { PasskeysSection } from "./account/passkeys-section.tsx";
import { SessionsSection } from "./account/sessions-section.tsx";
import { TwoFactorSection } from "./second-factor/two-factor-section.tsx";

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
        <PasskeysSection />
        <TwoFactorSection />
        <SessionsSection />
        <ResetLinkSection />
      </div>
    </>
  );
}

function NameSection() {
  const me = useMe();
  const { refresh } = useSession();
  const [name, setName] = useState(me.user.name);
  const { busy, errors, message, run } = useFormSubmit({ fields: ["name"], fieldId: () => "account-name", focusRefusedField: false });

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(
      async () => {
        await api.updateAccount(name.trim());
        await refresh();
        return { tone: "success", text: "Your name was saved." };
      },
      { invalid: name.trim() ? {} : { name: "Enter your name." } },
    );
  }

  return (
    <section className="card card-narrow" aria-labelledby="account-name-heading">
      <div className="card-header">
        <h2 id="account-name-heading">Profile</h2>
      </div>
      <form onSubmit={submit} noValidate className="form">
        <Field id="account-name" label="Name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
        <Field id="account-email" label="Email" type="email" readOnly value={me.user.email} hint="Your login. An administrator or manager of your company can change it." />
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…">
            Save name
          </SubmitButton>
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
  const { busy, errors, message, run } = useFormSubmit({
    fields: PASSWORD_FIELDS,
    fieldId: passwordId,
    codeToField: { CURRENT_PASSWORD_INCORRECT: "currentPassword", PASSWORD: "newPassword", PASSWORD_MISMATCH: "newPasswordConfirmation" },
  });
  const set = (field: PasswordField) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: e.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<PasswordField> = {};
    if (!values.currentPassword) found.currentPassword = "Enter your current password.";
    if (values.newPassword.length < config.passwordMinLength) found.newPassword = `Use at least ${config.passwordMinLength} characters.`;
    else if (values.newPasswordConfirmation !== values.newPassword) found.newPasswordConfirmation = "The two passwords do not match.";
    void run(
      async () => {
        await api.changePassword(values);
        setValues(EMPTY);
        return { tone: "success", text: "Your password was changed. Your other sessions were signed out; this one stays signed in." };
      },
      { invalid: found },
    );
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
          <SubmitButton busy={busy} busyLabel="Changing…">
            Change password
          </SubmitButton>
        </div>
        <FormResult message={message} />
      </form>
    </section>
  );
}

function ResetLinkSection() {
  const me = useMe();
  const { busy, message, run } = useFormSubmit();

  function send() {
    void run(async () => {
      await api.sendMeResetLink();
      return { tone: "success", text: `We sent a password reset link to ${me.user.email}. Open it to choose a new password.` };
    });
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
