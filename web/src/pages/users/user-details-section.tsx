import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import type { UserDetail, UserView } from "../../api/types.ts";
import { Field } from "../../components/field.tsx";
import { FormResult } from "../../components/notice.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import type { FieldErrors } from "../../lib/form-errors.ts";
import { formatDateTime } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";

const FIELDS = ["name", "email"] as const;
type DetailField = (typeof FIELDS)[number];
const fieldId = (field: DetailField) => `user-${field}`;

interface Props {
  view: UserView;
  onUpdated: (user: UserDetail) => void;
}

export function UserDetailsSection({ view, onUpdated }: Props) {
  const { user, permissions } = view;
  return (
    <section className="card" aria-labelledby="user-details-heading">
      <div className="card-header">
        <h2 id="user-details-heading">General details</h2>
      </div>
      {permissions.edit ? <DetailsForm view={view} onUpdated={onUpdated} /> : null}
      <dl className="facts facts-compact">
        {permissions.edit ? null : (
          <>
            <div className="fact">
              <dt>Name</dt>
              <dd>{user.name}</dd>
            </div>
            <div className="fact">
              <dt>Email</dt>
              <dd>{user.email}</dd>
            </div>
          </>
        )}
        <div className="fact">
          <dt>Company</dt>
          <dd>{user.company.name}</dd>
        </div>
        <div className="fact">
          <dt>Created</dt>
          <dd>{formatDateTime(user.createdAt)}</dd>
        </div>
        <div className="fact">
          <dt>Last sign-in</dt>
          <dd>{user.lastLoginAt ? formatDateTime(user.lastLoginAt) : "Never"}</dd>
        </div>
        <div className="fact">
          <dt>Password last changed</dt>
          <dd>{user.passwordChangedAt ? formatDateTime(user.passwordChangedAt) : "No password set yet"}</dd>
        </div>
      </dl>
    </section>
  );
}

function DetailsForm({ view, onUpdated }: Props) {
  const { user } = view;
  const [values, setValues] = useState({ name: user.name, email: user.email });
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId, codeToField: { EMAIL_TAKEN: "email" } });
  useEffect(() => setValues({ name: user.name, email: user.email }), [user.name, user.email]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const body: { name?: string; email?: string } = {};
    if (values.name.trim() !== user.name) body.name = values.name.trim();
    if (values.email.trim() !== user.email) body.email = values.email.trim();
    const found: FieldErrors<DetailField> = {};
    if (!values.name.trim()) found.name = "Enter a name.";
    if (!values.email.trim()) found.email = "Enter an email address.";
    const nothingToSend = Object.keys(body).length === 0 ? ({ tone: "info", text: "Nothing to save: no details were changed." } as const) : null;
    void run(
      async () => {
        const { user: next } = await api.updateUser(user.id, body);
        onUpdated(next);
        return { tone: "success", text: body.email ? "Details saved. Any pending links to the old address stopped working." : "Details saved." };
      },
      { invalid: found, nothingToSend },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form form-grid">
      <Field id={fieldId("name")} label="Name" autoComplete="off" required value={values.name} onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))} error={errors.name} />
      <Field
        id={fieldId("email")}
        label="Email"
        type="email"
        autoComplete="off"
        required
        hint="Changing it cancels the user's pending links."
        value={values.email}
        onChange={(e) => setValues((v) => ({ ...v, email: e.target.value }))}
        error={errors.email}
      />
      <div className="form-actions form-grid-wide">
        <SubmitButton busy={busy} busyLabel="Saving…">
          Save details
        </SubmitButton>
      </div>
      <div className="form-grid-wide">
        <FormResult message={message} />
      </div>
    </form>
  );
}
