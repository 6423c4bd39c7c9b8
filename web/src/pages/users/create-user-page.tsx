import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../../api/endpoints.ts";
import type { Role } from "../../api/types.ts";
import { Field, SelectField } from "../../components/field.tsx";
import { FormResult, Notice } from "../../components/notice.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import type { FieldErrors } from "../../lib/form-errors.ts";
import { ROLE_LABELS } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useMe } from "../../session/session.tsx";

const FIELDS = ["name", "email", "role"] as const;
type NewUserField = (typeof FIELDS)[number];
const fieldId = (field: NewUserField) => `new-user-${field}`;

const ROLE_HINTS: Record<Role, string> = {
  administrator: "Everything, including company settings.",
  manager: "Manages users: invites them, changes their details and sends password resets.",
  user: "Uses the platform; can see the company and its users.",
  read_only: "Can look, cannot change anything.",
};

export function CreateUserPage() {
  usePageTitle("Create user");
  const me = useMe();
  const navigate = useNavigate();
  // A creation that finishes after the administrator went elsewhere must not pull them back.
  const here = useRef(true);
  useEffect(() => {
    here.current = true;
    return () => {
      here.current = false;
    };
  }, []);
  const roles = me.capabilities.creatableRoles;
  const company = me.actingCompany.name;
  const [values, setValues] = useState<{ name: string; email: string; role: Role }>({ name: "", email: "", role: "user" });
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId, codeToField: { EMAIL_TAKEN: "email", ROLE_NOT_ALLOWED: "role" }, leavesOnSuccess: true });
  const crumbs = [{ label: "Company profile", to: "/company" }, { label: `${company} users`, to: "/company/users" }, { label: "Create user" }];

  if (roles.length === 0) {
    return (
      <>
        <PageHeader breadcrumbs={crumbs} title="Create user" />
        <Notice tone="warning" title="Your role does not allow this">
          Only administrators and managers can create users. Ask one of them to invite your colleague.
        </Notice>
      </>
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<NewUserField> = {};
    if (!values.name.trim()) found.name = "Enter the person's name.";
    if (!values.email.trim()) found.email = "Enter their email address.";
    void run(async () => {
      const { user } = await api.createUser({ name: values.name.trim(), email: values.email.trim(), role: values.role });
      if (here.current) navigate(`/company/users/${user.id}`, { state: { flash: `Invitation sent to ${user.email}.` } });
    }, { invalid: found });
  }

  return (
    <>
      <PageHeader breadcrumbs={crumbs} title="Create user" description={<p>The new user gets an email invitation with a link to choose their password.</p>} />
      <section className="card card-narrow" aria-label="New user">
        <form onSubmit={submit} noValidate className="form">
          <Field id={fieldId("name")} label="Name" autoComplete="off" required value={values.name} onChange={(event) => setValues((v) => ({ ...v, name: event.target.value }))} error={errors.name} />
          <Field
            id={fieldId("email")}
            label="Email"
            type="email"
            autoComplete="off"
            required
            hint="The invitation goes to this address, which is also their login."
            value={values.email}
            onChange={(event) => setValues((v) => ({ ...v, email: event.target.value }))}
            error={errors.email}
          />
          <SelectField
            id={fieldId("role")}
            label="Role"
            hint={ROLE_HINTS[values.role]}
            options={roles.map((role) => ({ value: role, label: ROLE_LABELS[role] }))}
            value={values.role}
            onChange={(event) => setValues((v) => ({ ...v, role: event.target.value as Role }))}
            error={errors.role}
          />
          <FormResult message={message} />
          <div className="form-actions">
            <SubmitButton busy={busy} busyLabel="Creating…">
              Create user
            </SubmitButton>
            <Link to="/company/users" className="button button-quiet">
              Cancel
            </Link>
          </div>
        </form>
      </section>
    </>
  );
}
