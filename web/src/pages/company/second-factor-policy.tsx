import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api/endpoints.ts";
import type { Company, CompanyPermissions, CompanyResponse, SecondFactorPolicy } from "../../api/types.ts";
import { Field } from "../../components/field.tsx";
import { FormResult, Notice } from "../../components/notice.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import { formatDateTime, plural } from "../../lib/format.ts";
import { useFormSubmit } from "../../lib/use-form-submit.ts";

const FIELDS = ["graceDays"] as const;
const fieldId = () => "policy-grace-days";

interface Props {
  company: Company;
  permissions: CompanyPermissions;
  onSaved: (updated: CompanyResponse) => void;
}

function describe(policy: SecondFactorPolicy): string {
  const required = policy.required
    ? `A second factor is required (since ${formatDateTime(policy.requiredSince)}); users without one may still sign in for ${plural(policy.graceDays, "day")}.`
    : "A second factor is optional.";
  return `${required} ${policy.passkeySignInAllowed ? "Users may sign in with a passkey alone." : "A passkey does not replace the password."}`;
}

/** "Two-factor sign-in": the company's policy, a form for administrators and a sentence for everyone else (decision 0039). */
export function SecondFactorPolicyCard({ company, permissions, onSaved }: Props) {
  const fromParent = company.parentSecondFactorPolicy;
  return (
    <section className="card" aria-labelledby="second-factor-policy-heading">
      <div className="card-header">
        <h2 id="second-factor-policy-heading">Two-factor sign-in</h2>
      </div>
      {fromParent ? (
        <Notice tone="info">
          The policy of {fromParent.companyName} applies to this company: {describe(fromParent)}
        </Notice>
      ) : null}
      {permissions.setSecondFactorPolicy ? (
        <PolicyForm company={company} onSaved={onSaved} />
      ) : (
        <>
          <p>{describe(company.secondFactorPolicy)}</p>
          <p className="card-note">Only administrators can change the two-factor policy.</p>
        </>
      )}
    </section>
  );
}

const valuesOf = (policy: SecondFactorPolicy) => ({
  required: policy.required,
  graceDays: String(policy.graceDays),
  passkeySignInAllowed: policy.passkeySignInAllowed,
  applyToLinked: policy.applyToLinked,
});

function PolicyForm({ company, onSaved }: Omit<Props, "permissions">) {
  const policy = company.secondFactorPolicy;
  const [values, setValues] = useState(() => valuesOf(policy));
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId });
  useEffect(() => setValues(valuesOf(policy)), [policy]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const graceDays = Number(values.graceDays);
    const valid = values.graceDays.trim() !== "" && Number.isInteger(graceDays) && graceDays >= 0 && graceDays <= 90;
    void run(
      async () => {
        const updated = await api.setSecondFactorPolicy({ required: values.required, graceDays, passkeySignInAllowed: values.passkeySignInAllowed, applyToLinked: values.applyToLinked });
        onSaved(updated);
        return { tone: "success", text: "Two-factor policy saved." };
      },
      { invalid: valid ? {} : { graceDays: "Enter a whole number of days from 0 to 90." } },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="form">
      <label className="checkbox">
        <input type="checkbox" checked={values.required} onChange={(e) => setValues((v) => ({ ...v, required: e.target.checked }))} aria-describedby="policy-required-note" />
        <span>
          Require a second factor
          <span className="cell-note" id="policy-required-note">
            Users without an authenticator app or a passkey set one up at sign-in once the grace period is over.
            {policy.required ? ` Required since ${formatDateTime(policy.requiredSince)}.` : ""}
          </span>
        </span>
      </label>
      <Field
        id={fieldId()}
        label="Grace period (days)"
        type="number"
        inputMode="numeric"
        min={0}
        max={90}
        step={1}
        required
        hint="From 0 to 90. During it, users without a second factor may still sign in with their password alone."
        value={values.graceDays}
        onChange={(e) => setValues((v) => ({ ...v, graceDays: e.target.value }))}
        error={errors.graceDays}
      />
      <label className="checkbox">
        <input type="checkbox" checked={values.passkeySignInAllowed} onChange={(e) => setValues((v) => ({ ...v, passkeySignInAllowed: e.target.checked }))} />
        <span>
          Allow sign-in with a passkey alone
          <span className="cell-note">A user with a passkey may sign in with it instead of their password and a second factor.</span>
        </span>
      </label>
      {company.isMultiCompany ? (
        <label className="checkbox">
          <input type="checkbox" checked={values.applyToLinked} onChange={(e) => setValues((v) => ({ ...v, applyToLinked: e.target.checked }))} />
          <span>
            Apply to linked companies
            <span className="cell-note">Every company linked to {company.name} follows this policy instead of its own.</span>
          </span>
        </label>
      ) : null}
      <div className="form-actions">
        <SubmitButton busy={busy} busyLabel="Saving…">
          Save two-factor policy
        </SubmitButton>
      </div>
      <FormResult message={message} />
    </form>
  );
}
