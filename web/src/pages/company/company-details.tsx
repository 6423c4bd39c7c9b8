import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import type { Company, CompanyPermissions, CompanyResponse } from "../../api/types.ts";
import { Field, TextAreaField } from "../../components/field.tsx";
import { FormResult } from "../../components/notice.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";

const FIELDS = ["name", "contactEmail", "phone", "address"] as const;
type CompanyField = (typeof FIELDS)[number];
const fieldId = (field: CompanyField) => `company-${field}`;

function valuesOf(company: Company): Record<CompanyField, string> {
  return { name: company.name, contactEmail: company.contactEmail ?? "", phone: company.phone ?? "", address: company.address ?? "" };
}

interface Props {
  company: Company;
  permissions: CompanyPermissions;
  onSaved: (updated: CompanyResponse) => void;
}

/** "General details": a form where the role allows changes, a plain list where it does not. */
export function CompanyDetails({ company, permissions, onSaved }: Props) {
  const editable = permissions.rename || permissions.updateContact;
  return (
    <section className="card" aria-labelledby="company-details-heading">
      <div className="card-header">
        <h2 id="company-details-heading">General details</h2>
        <p className="card-meta">Created {formatDateTime(company.createdAt)}</p>
      </div>
      {editable ? <CompanyForm company={company} permissions={permissions} onSaved={onSaved} /> : <CompanyFacts company={company} />}
    </section>
  );
}

function CompanyFacts({ company }: { company: Company }) {
  const rows: Array<[string, string | null]> = [
    ["Name", company.name],
    ["Contact email", company.contactEmail],
    ["Phone", company.phone],
    ["Address", company.address],
  ];
  return (
    <>
      <dl className="facts">
        {rows.map(([label, value]) => (
          <div key={label} className="fact">
            <dt>{label}</dt>
            <dd className={value ? "preserve-lines" : "muted"}>{value || "Not set"}</dd>
          </div>
        ))}
      </dl>
      <p className="card-note">Only administrators and managers can change these details.</p>
    </>
  );
}

function CompanyForm({ company, permissions, onSaved }: Props) {
  const [values, setValues] = useState(() => valuesOf(company));
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId });
  useEffect(() => setValues(valuesOf(company)), [company]);

  const original = valuesOf(company);
  const allowed = (field: CompanyField) => (field === "name" ? permissions.rename : permissions.updateContact);
  const changed = FIELDS.filter((field) => allowed(field) && values[field].trim() !== original[field]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const nothingToSend = changed.length === 0 ? ({ tone: "info", text: "Nothing to save: no details were changed." } as const) : null;
    void run(
      async () => {
        const body = Object.fromEntries(changed.map((field) => [field, values[field].trim()]));
        const updated = await api.updateCompany(body);
        onSaved(updated);
        return { tone: "success", text: "Company details saved." };
      },
      { invalid: !nothingToSend && permissions.rename && !values.name.trim() ? { name: "Enter the company name." } : {}, nothingToSend },
    );
  }

  const set = (field: CompanyField) => (event: { target: { value: string } }) => setValues((v) => ({ ...v, [field]: event.target.value }));
  return (
    <form onSubmit={submit} noValidate className="form form-grid">
      <Field
        id={fieldId("name")}
        label="Company name"
        required
        readOnly={!permissions.rename}
        hint={permissions.rename ? undefined : "Only an administrator can rename the company."}
        value={values.name}
        onChange={set("name")}
        error={errors.name}
      />
      <Field id={fieldId("contactEmail")} label="Contact email" type="email" optional autoComplete="email" readOnly={!permissions.updateContact} value={values.contactEmail} onChange={set("contactEmail")} error={errors.contactEmail} />
      <Field id={fieldId("phone")} label="Phone" type="tel" optional autoComplete="tel" readOnly={!permissions.updateContact} value={values.phone} onChange={set("phone")} error={errors.phone} />
      <TextAreaField id={fieldId("address")} label="Address" optional rows={3} autoComplete="street-address" readOnly={!permissions.updateContact} value={values.address} onChange={set("address")} error={errors.address} />
      <div className="form-actions form-grid-wide">
        <SubmitButton busy={busy} busyLabel="Saving…">
          Save changes
        </SubmitButton>
        {changed.length > 0 ? (
          <button type="button" className="button button-quiet" onClick={() => setValues(original)}>
            Discard changes
          </button>
        ) : null}
      </div>
      <div className="form-grid-wide">
        <FormResult message={message} />
      </div>
    </form>
  );
}
