import { useEffect, useId, type RefObject } from "react";
import type { ApiClientCredentials } from "../../../api/types.ts";
import { CopyField } from "../../../components/copy-field.tsx";
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
