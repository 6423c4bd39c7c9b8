import { useEffect, useId, useRef, useState, type RefObject } from "react";
import type { ApiClientCredentials } from "../../../api/types.ts";
import { Notice } from "../../../components/notice.tsx";

interface Props {
  clientName: string;
  clientId: string;
  credentials: ApiClientCredentials;
  /** "created" or "rotated": what the heading says happened. */
  event: "created" | "rotated";
  headingRef: RefObject<HTMLHeadingElement | null>;
  onDone: () => void;
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "select" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("copied");
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for the person to copy.
      input.current?.select();
      setCopied("select");
    }
  }
  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input ref={input} id={id} className="input input-mono" readOnly value={value} spellCheck={false} onFocus={(event) => event.target.select()} />
        <button type="button" className="button" onClick={() => void copy()} aria-describedby={`${id}-copied`}>
          Copy<span className="visually-hidden"> {label.toLowerCase()}</span>
        </button>
      </div>
      <p id={`${id}-copied`} className="field-hint" aria-live="polite">
        {copied === "copied" ? "Copied to the clipboard." : copied === "select" ? "Selected: press Ctrl+C (⌘C) to copy." : ""}
      </p>
    </div>
  );
}

/**
 * The secret, shown once after a creation or a rotation: a clear warning, copy buttons, and what a
 * back end needs to ask for tokens. The panel takes focus so a screen reader starts reading here.
 */
export function SecretPanel({ clientName, clientId, credentials, event, headingRef: heading, onDone }: Props) {
  const base = useId();
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="inline-form secret-panel" aria-labelledby={`${base}-heading`}>
      <h4 id={`${base}-heading`} ref={heading} tabIndex={-1}>
        {event === "created" ? `API client “${clientName}” created` : `New secret for “${clientName}”`}
      </h4>
      <Notice tone="warning" title="Copy the secret now: it will not be shown again">
        Only a fingerprint of it is kept. Store it in your back end’s secret store; if it is lost, rotate it to get a new one.
        {event === "rotated" ? " The previous secret and the tokens it got have stopped working." : ""}
      </Notice>
      <CopyField id={`${base}-id`} label="Client ID" value={clientId} />
      <CopyField id={`${base}-secret`} label="Client secret" value={credentials.clientSecret} />
      <dl className="token-facts">
        <dt>Token endpoint</dt>
        <dd>
          <code>{credentials.tokenEndpoint}</code>
        </dd>
        <dt>Grant type</dt>
        <dd>
          <code>client_credentials</code>, with <code>resource={credentials.audience}</code> and the scopes you need
        </dd>
      </dl>
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          I have stored the secret
        </button>
      </div>
    </section>
  );
}
