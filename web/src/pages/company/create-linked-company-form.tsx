import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import { Field } from "../../components/field.tsx";
import { FormResult } from "../../components/notice.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import type { FieldErrors } from "../../lib/form-errors.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";

const FIELDS = ["name", "adminName", "adminEmail"] as const;
type LinkedField = (typeof FIELDS)[number];
const fieldId = (field: LinkedField) => `linked-${field}`;

interface Props {
  parentName: string;
  onCreated: (result: { companyName: string; adminEmail: string }) => void;
  onCancel: () => void;
}

/** A new linked company and its first administrator, who is invited by email to choose a password. */
export function CreateLinkedCompanyForm({ parentName, onCreated, onCancel }: Props) {
  const [values, setValues] = useState({ name: "", adminName: "", adminEmail: "" });
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId, codeToField: { EMAIL_TAKEN: "adminEmail" }, leavesOnSuccess: true });

  // The form opens below the table: start there, so keyboard and screen-reader users know it opened.
  useEffect(() => {
    document.getElementById(fieldId("name"))?.focus();
  }, []);

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<LinkedField> = {};
    if (!values.name.trim()) found.name = "Enter the company's name.";
    if (!values.adminName.trim()) found.adminName = "Enter the administrator's name.";
    if (!values.adminEmail.trim()) found.adminEmail = "Enter the administrator's email address.";
    void run(async () => {
      const adminEmail = values.adminEmail.trim();
      const { company } = await api.createLinkedCompany({ name: values.name.trim(), adminName: values.adminName.trim(), adminEmail });
      onCreated({ companyName: company.name, adminEmail });
    }, { invalid: found });
  }

  const set = (field: LinkedField) => (event: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: event.target.value }));
  return (
    <section className="inline-form" aria-labelledby="create-linked-heading">
      <h4 id="create-linked-heading">
        Create linked company
      </h4>
      <p className="card-note">The new company is linked to {parentName}. Its administrator gets an email invitation with a link to choose a password.</p>
      <form onSubmit={submit} noValidate className="form">
        <div className="form-grid">
          <div className="form-grid-wide">
            <Field id={fieldId("name")} label="Company name" autoComplete="off" required value={values.name} onChange={set("name")} error={errors.name} />
          </div>
          <Field id={fieldId("adminName")} label="Administrator's name" autoComplete="off" required value={values.adminName} onChange={set("adminName")} error={errors.adminName} />
          <Field
            id={fieldId("adminEmail")}
            label="Administrator's email"
            type="email"
            autoComplete="off"
            required
            hint="Their login; the invitation goes here."
            value={values.adminEmail}
            onChange={set("adminEmail")}
            error={errors.adminEmail}
          />
        </div>
        <FormResult message={message} />
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Creating…">
            Create linked company
          </SubmitButton>
          <button type="button" className="button button-quiet" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
