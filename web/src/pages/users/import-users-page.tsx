import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError, messageOf } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { ImportPreview, ImportPreviewRow, ImportResults } from "../../api/types.ts";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { SubmitButton } from "../../components/submit-button.tsx";
import { ROLE_LABELS, plural } from "../../lib/format.ts";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useMe } from "../../session/session.tsx";
import { ImportPreviewTable, ImportResultList } from "./import-users-tables.tsx";

/** The server's limit (decision 0050), checked here too so a huge file is refused before it is sent. */
const MAX_FILE_BYTES = 256 * 1024;
const crumbs = [{ label: "Users", to: "/users" }, { label: "Import from CSV" }];

type Step = { kind: "choose" } | { kind: "preview"; preview: ImportPreview } | { kind: "done"; results: ImportResults };

const quoted = (cell: string) => `"${cell.replaceAll('"', '""')}"`;

/** The rows an import did not create, as lines for the form again: to try once the limit's hour is over. */
function leftOverCsv(results: ImportResults): string {
  const rows = results.rows.filter((row) => !row.ok).map((row) => [row.name, row.email, row.role].map(quoted).join(","));
  return ["name,email,role", ...rows].join("\n") + "\n";
}

/** Issue 19, item 8: users from a CSV file, checked row by row before anyone is invited. */
export function ImportUsersPage() {
  usePageTitle("Import users from CSV");
  const me = useMe();
  const roles = me.capabilities.creatableRoles;
  const [csv, setCsv] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [step, setStep] = useState<Step>({ kind: "choose" });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // Each new step's heading takes focus, so keyboard and screen reader users land on what changed.
  useEffect(() => {
    if (step.kind !== "choose") heading.current?.focus();
  }, [step]);

  if (roles.length === 0) {
    return (
      <>
        <PageHeader breadcrumbs={crumbs} title="Import users from CSV" />
        <Notice tone="warning" title="Your role does not allow this">
          Only administrators and managers can create users. Ask one of them to import your colleagues.
        </Notice>
      </>
    );
  }

  async function chooseFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    setMessage(null);
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setMessage({ tone: "error", text: `${file.name} is larger than 256 KB. Split it into smaller files.` });
      return;
    }
    setFileName(file.name);
    setCsv(await file.text());
  }

  async function check(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!csv.trim()) {
      setMessage({ tone: "error", text: "Choose a CSV file or paste its lines first." });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      setStep({ kind: "preview", preview: await api.previewUserImport(csv) });
    } catch (error) {
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  async function confirm(preview: ImportPreview) {
    if (busy || preview.invalid > 0) return;
    setBusy(true);
    setMessage(null);
    try {
      setStep({ kind: "done", results: await api.importUsers(csv) });
    } catch (error) {
      // Someone created one of these users since the preview: the server sends the rows again, checked now.
      const rows = error instanceof ApiError && error.code === "IMPORT_ROWS_INVALID" ? (error.details?.rows as ImportPreviewRow[] | undefined) : undefined;
      if (rows) setStep({ kind: "preview", preview: { ...preview, rows, valid: rows.filter((row) => row.ok).length, invalid: rows.filter((row) => !row.ok).length } });
      setMessage({ tone: "error", text: messageOf(error) });
    } finally {
      setBusy(false);
    }
  }

  const startOver = () => {
    setStep({ kind: "choose" });
    setMessage(null);
  };

  return (
    <>
      <PageHeader
        breadcrumbs={crumbs}
        title="Import users from CSV"
        description={<p>Each person in the file gets an email invitation to choose their password, as when you create one user. Nothing is sent until you confirm.</p>}
      />
      {step.kind === "choose" ? (
        <section className="card card-narrow" aria-label="Choose the file">
          <form onSubmit={check} noValidate className="form">
            <div className="import-format" id="import-format">
              <p>
                The first line names the columns <code>name</code>, <code>email</code> and <code>role</code>, in any order. Role is one of{" "}
                {roles.map((role, index) => (
                  <span key={role}>
                    {index > 0 ? (index === roles.length - 1 ? " or " : ", ") : null}
                    <code>{role}</code>
                  </span>
                ))}
                ; left empty, it is {ROLE_LABELS.user.toLowerCase()}. At most 1,000 users and 256 KB per file. A file downloaded from the users list works too.
              </p>
            </div>
            <div className="field">
              <label htmlFor="import-file">CSV file</label>
              <input id="import-file" className="input" type="file" accept=".csv,text/csv,text/plain" aria-describedby="import-format" onChange={(event) => void chooseFile(event)} />
            </div>
            <div className="field">
              <label htmlFor="import-text">Or paste the lines</label>
              <p id="import-text-hint" className="field-hint">
                {fileName ? `Read from ${fileName}; you can correct it here.` : "For example: name,email,role — then one person a line."}
              </p>
              <textarea
                id="import-text"
                className="input import-text"
                rows={8}
                spellCheck={false}
                aria-describedby="import-text-hint"
                value={csv}
                onChange={(event) => {
                  setCsv(event.target.value);
                  setMessage(null);
                }}
              />
            </div>
            <FormResult message={message} />
            <div className="form-actions">
              <SubmitButton busy={busy} busyLabel="Checking…">
                Check the file
              </SubmitButton>
              <Link to="/users" className="button button-quiet">
                Cancel
              </Link>
            </div>
          </form>
        </section>
      ) : null}

      {step.kind === "preview" ? (
        <section className="card" aria-labelledby="import-preview-title">
          <h2 id="import-preview-title" ref={heading} tabIndex={-1}>
            {step.preview.invalid > 0 ? `${plural(step.preview.invalid, "row")} to correct` : `${plural(step.preview.valid, "user")} will be invited`}
          </h2>
          <p id="import-preview-summary" className="import-summary">
            {step.preview.invalid > 0
              ? `Nobody is invited while a row has an error. Correct ${step.preview.invalid === 1 ? "it" : "them"} in the file (or in the pasted lines) and check again; ${plural(step.preview.valid, "row")} ${step.preview.valid === 1 ? "is" : "are"} ready.`
              : "Each gets an invitation email now. Check the names, addresses and roles before you confirm."}
            {step.preview.ignoredColumns.length > 0 ? ` Columns not read: ${step.preview.ignoredColumns.join(", ")}.` : null}
          </p>
          {step.preview.invalid === 0 && step.preview.valid > step.preview.invitationsLeft ? (
            <Notice tone="warning" title={`You can send ${plural(step.preview.invitationsLeft, "more invitation")} this hour`}>
              Invitations are limited per hour, for you and for the company. If you confirm, the first {step.preview.invitationsLeft} rows are invited and the others are refused, each
              with the time to try again. You can also split the file and import the rest later.
            </Notice>
          ) : null}
          <ImportPreviewTable rows={step.preview.rows} />
          <FormResult message={message} />
          <div className="form-actions">
            <button type="button" className="button button-primary" disabled={step.preview.invalid > 0 || step.preview.valid === 0} aria-describedby="import-preview-summary" aria-disabled={busy || undefined} onClick={() => void confirm(step.preview)}>
              {busy ? "Inviting…" : `Invite ${plural(step.preview.valid, "user")}`}
            </button>
            <button type="button" className="button" onClick={startOver}>
              {step.preview.invalid > 0 ? "Correct the file" : "Choose another file"}
            </button>
            <Link to="/users" className="button button-quiet">
              Cancel
            </Link>
          </div>
        </section>
      ) : null}

      {step.kind === "done" ? (
        <section className="card" aria-labelledby="import-done-title">
          <h2 id="import-done-title" ref={heading} tabIndex={-1}>
            {`${plural(step.results.created, "user")} invited`}
            {step.results.failed > 0 ? `, ${step.results.failed} not` : ""}
          </h2>
          {step.results.failed > 0 ? (
            <Notice tone="warning" title={`${plural(step.results.failed, "row")} not imported`}>
              The rows below were not created; the others were, and their invitations are on their way. Once the reason is gone (an hourly limit ends at the time given), “Import the rows left over” puts them back in the form.
            </Notice>
          ) : (
            <Notice tone="success">Every invitation is on its way. Each user appears in the list as invited until they choose a password.</Notice>
          )}
          <ImportResultList results={step.results} />
          <div className="form-actions">
            <Link to="/users" className="button button-primary">
              Back to users
            </Link>
            {step.results.failed > 0 ? (
              <button
                type="button"
                className="button"
                onClick={() => {
                  setCsv(leftOverCsv(step.results));
                  setFileName(null);
                  startOver();
                }}
              >
                Import the rows left over
              </button>
            ) : null}
            <button
              type="button"
              className="button"
              onClick={() => {
                setCsv("");
                setFileName(null);
                startOver();
              }}
            >
              Import another file
            </button>
          </div>
        </section>
      ) : null}
    </>
  );
}
