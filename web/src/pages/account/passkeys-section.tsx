import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import type { Passkey } from "../../api/types.ts";
import { ConfirmDialog } from "../../components/confirm-dialog.tsx";
import { Field } from "../../components/field.tsx";
import { FormResult, Notice, type FormMessage } from "../../components/notice.tsx";
import { ListStates } from "../../components/states.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { useResource } from "../../lib/use-resource.ts";
import { passkeysSupported, registerPasskey } from "../../lib/webauthn.ts";
import { useMe } from "../../session/session.tsx";

/**
 * The account's passkeys: add (the browser's own prompt), rename, remove. Removing the last second
 * factor asks for the password: the server says so (LAST_FACTOR_PASSWORD_REQUIRED), and only then
 * does the dialog ask, since the dashboard keeps no copy of the rule.
 */
export function PasskeysSection() {
  const me = useMe();
  const [version, setVersion] = useState(0);
  const list = useResource(() => api.passkeys(), `${me.user.id}|${version}`);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<FormMessage | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Passkey | null>(null);
  const [askPassword, setAskPassword] = useState(false);
  const [password, setPassword] = useState("");
  const addButton = useRef<HTMLButtonElement>(null);
  const supported = passkeysSupported();
  const reload = () => setVersion((n) => n + 1);
  // The server asked for the password: the field that just appeared takes focus, under the dialog's message.
  useEffect(() => {
    if (askPassword) document.getElementById("passkey-remove-password")?.focus();
  }, [askPassword]);

  async function add() {
    if (adding) return;
    setAdding(true);
    setMessage(null);
    try {
      const created = await registerPasskey();
      reload();
      setMessage({ tone: "success", text: `Passkey “${created.name}” added. You can rename it below.` });
    } catch (error) {
      setMessage({ tone: "error", text: error instanceof ApiError ? error.message : "The passkey could not be added. Try again." });
    } finally {
      setAdding(false);
    }
  }

  return (
    <section className="card card-narrow" aria-labelledby="account-passkeys-heading">
      <div className="card-header">
        <h2 id="account-passkeys-heading">Passkeys</h2>
      </div>
      <div className="form">
        <p>
          A passkey signs you in with your device’s screen lock, fingerprint or face, or a security key, instead of a code. It also works as your second factor, and, where{" "}
          {me.user.companyName} allows it, to sign in without your password.
        </p>
        {supported ? null : (
          <Notice tone="warning" title="This browser cannot use passkeys">
            Open Latchkey in a current version of Chrome, Edge, Firefox or Safari to add or use a passkey. Passkeys you already added still work on the devices that hold them.
          </Notice>
        )}
        <ListStates
          list={list}
          count={({ passkeys }) => passkeys.length}
          loadingLabel="Loading your passkeys…"
          errorTitle="Your passkeys could not be loaded"
          emptyTitle="No passkeys yet"
          emptyText="Add one to sign in with this device or a security key."
        >
          {({ passkeys }) => (
            <ul className="passkey-list" aria-label="Your passkeys">
              {passkeys.map((passkey) =>
                renaming === passkey.id ? (
                  <li key={passkey.id} className="passkey-item">
                    <RenameForm
                      passkey={passkey}
                      onDone={(saved) => {
                        setRenaming(null);
                        if (saved) {
                          setMessage({ tone: "success", text: `Passkey renamed to “${saved}”.` });
                          reload();
                        }
                      }}
                    />
                  </li>
                ) : (
                  <li key={passkey.id} className="passkey-item">
                    <div className="passkey-text">
                      <p className="passkey-name">
                        {passkey.name}
                        {passkey.synced ? <span className="badge badge-info">Synced</span> : null}
                      </p>
                      <p className="cell-note">
                        Added {formatDateTime(passkey.createdAt)} · {passkey.lastUsedAt ? `Last used ${formatDateTime(passkey.lastUsedAt)}` : "Never used"}
                      </p>
                    </div>
                    <div className="button-row">
                      <button type="button" className="button button-small" aria-label={`Rename ${passkey.name}`} onClick={() => { setMessage(null); setRenaming(passkey.id); }}>
                        Rename
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger-outline"
                        aria-label={`Remove ${passkey.name}`}
                        onClick={() => {
                          setMessage(null);
                          setAskPassword(false);
                          setPassword("");
                          setRemoving(passkey);
                        }}
                      >
                        Remove
                      </button>
                    </div>
                  </li>
                ),
              )}
            </ul>
          )}
        </ListStates>
        <div className="form-actions">
          <button ref={addButton} type="button" className="button button-primary" onClick={() => void add()} aria-disabled={adding || !supported || undefined} disabled={!supported}>
            {adding ? "Waiting for your passkey…" : "Add a passkey"}
          </button>
        </div>
        <FormResult message={message} />
      </div>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove the passkey “${removing?.name ?? ""}”?`}
        confirmLabel="Remove passkey"
        busyLabel="Removing…"
        danger
        {...(askPassword ? { confirmDisabled: password.length === 0 } : {})}
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return;
          try {
            await api.removePasskey(removing.id, askPassword ? password : undefined);
          } catch (error) {
            if (error instanceof ApiError && error.code === "LAST_FACTOR_PASSWORD_REQUIRED") setAskPassword(true);
            throw error;
          }
          setMessage({ tone: "success", text: `Passkey “${removing.name}” removed. We emailed you about it.` });
          reload();
        }}
      >
        <p>It will no longer sign you in. The device may still offer it; you can delete it there too.</p>
        {askPassword ? (
          <Field id="passkey-remove-password" label="Your password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} data-autofocus />
        ) : null}
      </ConfirmDialog>
    </section>
  );
}

function RenameForm({ passkey, onDone }: { passkey: Passkey; onDone: (saved: string | null) => void }) {
  const [name, setName] = useState(passkey.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const id = `passkey-name-${passkey.id}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setError("Enter a name.");
    if (trimmed.length > 60) return setError("Use at most 60 characters.");
    setBusy(true);
    try {
      await api.renamePasskey(passkey.id, trimmed);
      onDone(trimmed);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : "The passkey could not be renamed.");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="passkey-rename">
      <Field id={id} label={`New name for “${passkey.name}”`} required value={name} onChange={(event) => setName(event.target.value)} error={error} autoFocus />
      <div className="button-row">
        <button type="submit" className="button button-primary button-small" aria-disabled={busy || undefined}>
          {busy ? "Saving…" : "Save name"}
        </button>
        <button type="button" className="button button-small" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
