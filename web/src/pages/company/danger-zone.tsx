import { useState } from "react";
import { api } from "../../api/endpoints.ts";
import type { Company } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { Field } from "../../components/field.tsx";
import { useSession } from "../../session/session.tsx";

export function DangerZone({ company }: { company: Company }) {
  const { signedOut } = useSession();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const matches = typed.trim() === company.name;

  return (
    <section className="card card-danger" aria-labelledby="danger-heading">
      <div className="card-header">
        <h2 id="danger-heading">Danger zone</h2>
      </div>
      <div className="danger-row">
        <div>
          <p className="danger-title">Delete this company</p>
          <p className="muted">Everyone in {company.name} is signed out at once and can no longer sign in. Pending links stop working.</p>
        </div>
        <button
          type="button"
          className="button button-danger"
          onClick={() => {
            setTyped("");
            setOpen(true);
          }}
        >
          Delete company
        </button>
      </div>
      <ConfirmDialog
        open={open}
        title={`Delete ${company.name}?`}
        confirmLabel="Delete company"
        busyLabel="Deleting…"
        danger
        confirmDisabled={!matches}
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          await api.deleteCompany(typed.trim());
          signedOut("company-deleted");
        }}
      >
        <p>
          This deletes <strong>{company.name}</strong> and signs out all of its users. It cannot be undone from the dashboard.
        </p>
        <Field
          id="delete-company-confirm"
          label={`Type ${company.name} to confirm`}
          autoComplete="off"
          spellCheck={false}
          data-autofocus
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
        />
      </ConfirmDialog>
    </section>
  );
}
