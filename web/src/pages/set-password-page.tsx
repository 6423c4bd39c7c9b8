import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import type { LinkInfo, LinkReason } from "../api/types.ts";
import { Field } from "../components/field.tsx";
import { FormResult } from "../components/notice.tsx";
import { ErrorState, LoadingState } from "../components/states.tsx";
import { SubmitButton } from "../components/submit-button.tsx";
import type { FieldErrors } from "../lib/form-errors.ts";
import { formatDateTime } from "../lib/format.ts";
import { usePageTitle } from "../lib/use-page-title.ts";
import { useFormSubmit } from "../lib/use-form-submit.ts";
import { useResource } from "../lib/use-resource.ts";
import { useSession } from "../session/session.tsx";
import { LinkProblem } from "./link-problem.tsx";

const FIELDS = ["password", "passwordConfirmation"] as const;
type PasswordField = (typeof FIELDS)[number];
const fieldId = (field: PasswordField) => `link-${field}`;

const LINK_CODES: Record<string, LinkReason> = {
  LINK_INVALID: "invalid",
  LINK_EXPIRED: "expired",
  LINK_USED: "used",
  LINK_SUPERSEDED: "superseded",
  LINK_REVOKED: "revoked",
};

function tokenFromFragment(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "";
}

function forgetFragment(): void {
  if (window.location.hash) window.history.replaceState(window.history.state, "", `${window.location.pathname}${window.location.search}`);
}

/**
 * /set-password (invitations) and /reset-password (resets). The token travels in the fragment so
 * it never reaches a server log; it is read once and removed from the address bar and history.
 */
export function SetPasswordPage() {
  const [link, setLink] = useState(() => ({ token: tokenFromFragment(), opened: 0 }));
  useEffect(() => {
    forgetFragment();
    // Opening a link again in the same tab changes only the fragment: the page stays, so start over.
    const onHashChange = () => {
      const token = tokenFromFragment();
      forgetFragment();
      if (token) setLink((current) => ({ token, opened: current.opened + 1 }));
    };
    window.addEventListener("hashchange", onHashChange);
    return () => window.removeEventListener("hashchange", onHashChange);
  }, []);
  return <LinkFlow key={link.opened} token={link.token} />;
}

function LinkFlow({ token }: { token: string }) {
  const link = useResource<LinkInfo>(
    () => (token ? api.inspectLink(token) : Promise.resolve({ valid: false, reason: "invalid", purpose: null })),
    token,
  );
  const [problem, setProblem] = useState<LinkReason | null>(null);
  const [done, setDone] = useState(false);
  usePageTitle(done ? "Password changed" : "Choose a new password");

  if (link.loading) return <LoadingState label="Checking your link…" />;
  if (link.error || !link.data) return <ErrorState title="We could not check this link" error={link.error} onRetry={link.reload} />;
  const info = link.data;
  if (!info.valid) return <LinkProblem reason={info.reason} purpose={info.purpose} />;
  if (problem) return <LinkProblem reason={problem} purpose={info.purpose} />;
  if (done) return <PasswordChanged invite={info.purpose === "invite"} />;
  return <ChoosePasswordForm token={token} info={info} onDone={() => setDone(true)} onLinkProblem={setProblem} />;
}

function PasswordChanged({ invite }: { invite: boolean }) {
  return (
    <>
      <h1 tabIndex={-1}>{invite ? "Your password is set" : "Your password was changed"}</h1>
      <div className="notice notice-success" role="status">
        <div className="notice-body">
          <p>
            {invite
              ? "Your account is ready. Sign in with your email address and the password you just chose."
              : "Every session of your account was signed out. Sign in with your new password."}
          </p>
        </div>
      </div>
      <Link to="/login" className="button button-primary button-block">
        Sign in
      </Link>
    </>
  );
}

interface FormProps {
  token: string;
  info: Extract<LinkInfo, { valid: true }>;
  onDone: () => void;
  onLinkProblem: (reason: LinkReason) => void;
}

function ChoosePasswordForm({ token, info, onDone, onLinkProblem }: FormProps) {
  const { config } = useSession();
  const [values, setValues] = useState<Record<PasswordField, string>>({ password: "", passwordConfirmation: "" });
  const { busy, errors, message, run } = useFormSubmit({
    fields: FIELDS,
    fieldId,
    codeToField: { PASSWORD: "password", PASSWORD_MISMATCH: "passwordConfirmation" },
    leavesOnSuccess: true,
    intercept: (error) => {
      const reason = error instanceof ApiError ? LINK_CODES[error.code] : undefined;
      if (reason) onLinkProblem(reason);
      return reason !== undefined;
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<PasswordField> = {};
    if (values.password.length < config.passwordMinLength) found.password = `Use at least ${config.passwordMinLength} characters.`;
    if (!found.password && values.passwordConfirmation !== values.password) found.passwordConfirmation = "The two passwords do not match.";
    void run(async () => {
      await api.setPasswordWithLink({ token, ...values });
      onDone();
    }, { invalid: found });
  }

  const invite = info.purpose === "invite";
  return (
    <>
      <h1 tabIndex={-1}>{invite ? "Choose your password" : "Choose a new password"}</h1>
      <p className="lead">
        {invite ? `Welcome, ${info.name}. ` : null}
        Choose a password for the account <strong>{info.email}</strong>.
      </p>
      <form onSubmit={submit} noValidate className="form">
        {/* Lets password managers file the new password under the right account. */}
        <input type="email" name="username" autoComplete="username" value={info.email} readOnly hidden />
        <Field
          id={fieldId("password")}
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${config.passwordMinLength} characters. Avoid common words and passwords you use elsewhere.`}
          value={values.password}
          onChange={(event) => setValues((v) => ({ ...v, password: event.target.value }))}
          error={errors.password}
        />
        <Field
          id={fieldId("passwordConfirmation")}
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          required
          value={values.passwordConfirmation}
          onChange={(event) => setValues((v) => ({ ...v, passwordConfirmation: event.target.value }))}
          error={errors.passwordConfirmation}
        />
        <FormResult message={message} />
        <SubmitButton busy={busy} busyLabel="Saving…" block>
          {invite ? "Set password" : "Change password"}
        </SubmitButton>
        <p className="form-hint">This link works until {formatDateTime(info.expiresAt)}.</p>
      </form>
    </>
  );
}
