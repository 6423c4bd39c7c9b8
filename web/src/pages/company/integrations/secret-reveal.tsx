import { useEffect, useRef } from "react";
import { CopyField } from "../../../components/copy-field.tsx";
import { Notice } from "../../../components/notice.tsx";

/** A signing secret shown once: read-only, selectable, with a copy button and the warning that it will not be shown again. */
export function SecretReveal({ secret, onDone, intro }: { secret: string; onDone: () => void; intro: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  return (
    <section className="card secret-reveal" aria-labelledby="secret-heading">
      <h3 id="secret-heading" ref={heading} tabIndex={-1} className="section-title">
        Signing secret
      </h3>
      <Notice tone="warning" title="Copy this secret now">
        {intro} It is shown only this once: Latchkey cannot show it again. If you lose it, rotate the secret.
      </Notice>
      <CopyField id="webhook-secret" label="Secret (Standard Webhooks, whsec_…)" value={secret} />
      <div className="form-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          I have stored the secret
        </button>
      </div>
    </section>
  );
}
