import { useEffect, useRef, useState } from "react";
import { Notice } from "../../../components/notice.tsx";

/** A signing secret shown once: read-only, selectable, with a copy button and the warning that it will not be shown again. */
export function SecretReveal({ secret, onDone, intro }: { secret: string; onDone: () => void; intro: string }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }

  return (
    <section className="card secret-reveal" aria-labelledby="secret-heading">
      <h3 id="secret-heading" ref={heading} tabIndex={-1} className="section-title">
        Signing secret
      </h3>
      <Notice tone="warning" title="Copy this secret now">
        {intro} It is shown only this once: Latchkey cannot show it again. If you lose it, rotate the secret.
      </Notice>
      <div className="field">
        <label htmlFor="webhook-secret">Secret (Standard Webhooks, whsec_…)</label>
        <div className="secret-row">
          <input id="webhook-secret" className="input input-mono" readOnly value={secret} onFocus={(event) => event.currentTarget.select()} spellCheck={false} />
          <button type="button" className="button" onClick={() => void copy()}>
            Copy
          </button>
        </div>
        <p className="field-hint" aria-live="polite">
          {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "Copying failed: select the secret and copy it yourself." : ""}
        </p>
      </div>
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          I have stored the secret
        </button>
      </div>
    </section>
  );
}
