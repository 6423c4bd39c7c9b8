import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../../api/endpoints.ts";
import type { ApiClient, ApiClientCredentials, ApiScopeInfo } from "../../../api/types.ts";
import { Field } from "../../../components/field.tsx";
import { FormResult } from "../../../components/notice.tsx";
import { SubmitButton } from "../../../components/submit-button.tsx";
import type { FieldErrors } from "../../../lib/form-errors.ts";
import { useFormSubmit } from "../../../lib/use-form-submit.ts";

const FIELDS = ["name", "scopes"] as const;
type ClientField = (typeof FIELDS)[number];
const fieldId = (field: ClientField) => (field === "name" ? "api-client-name" : "api-client-scope-0");

interface Props {
  companyName: string;
  scopes: ApiScopeInfo[];
  onCreated: (client: ApiClient, credentials: ApiClientCredentials) => void;
  onCancel: () => void;
}

/** A name and the scopes the client may ask tokens for; the API answers with the secret, once. */
export function CreateApiClientForm({ companyName, scopes, onCreated, onCancel }: Props) {
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const { busy, errors, message, run } = useFormSubmit({ fields: FIELDS, fieldId });

  useEffect(() => {
    document.getElementById(fieldId("name"))?.focus();
  }, []);

  function toggle(scope: string, on: boolean) {
    setChosen((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors<ClientField> = {};
    if (!name.trim()) found.name = "Enter a name, for example the system that will use it.";
    if (chosen.length === 0) found.scopes = "Choose at least one scope.";
    void run(async () => {
      const { client, ...credentials } = await api.createApiClient({ name: name.trim(), scopes: chosen });
      onCreated(client, credentials);
    }, { invalid: found });
  }

  return (
    <section className="inline-form" aria-labelledby="create-api-client-heading">
      <h4 id="create-api-client-heading">Create API client</h4>
      <p className="card-note">
        A back end of yours gets short-lived tokens with this client’s ID and secret, and calls the API for {companyName} with an administrator’s reach, limited to the scopes below.
      </p>
      <form onSubmit={submit} noValidate className="form">
        <Field id={fieldId("name")} label="Name" autoComplete="off" required maxLength={100} hint="Shown in the audit log and in emails sent at its request." value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
        <fieldset className="grant-fieldset" aria-describedby={errors.scopes ? "api-client-scopes-error" : undefined} aria-invalid={errors.scopes ? true : undefined}>
          <legend>Scopes</legend>
          <ul className="scope-list">
            {scopes.map((scope, index) => (
              <li key={scope.name}>
                <label className="checkbox">
                  <input id={`api-client-scope-${index}`} type="checkbox" checked={chosen.includes(scope.name)} onChange={(e) => toggle(scope.name, e.target.checked)} />
                  <span>
                    <code>{scope.name}</code>
                    <span className="cell-note">{scope.description}</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          {errors.scopes ? (
            <p id="api-client-scopes-error" className="field-error">
              <span className="visually-hidden">Error: </span>
              {errors.scopes}
            </p>
          ) : null}
        </fieldset>
        <FormResult message={message} />
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Creating…">
            Create API client
          </SubmitButton>
          <button type="button" className="button button-quiet" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
