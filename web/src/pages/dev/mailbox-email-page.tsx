import { Fragment } from "react";
import { useParams } from "react-router-dom";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import { EmailStatusBadge } from "../../components/badges.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { ErrorState, LoadingState } from "../../components/states.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { usePageTitle } from "../../lib/use-page-title.ts";
import { useResource } from "../../lib/use-resource.ts";
import { NotFoundContent } from "../not-found-page.tsx";
import { kindLabel } from "./mailbox-page.tsx";

const URL_PATTERN = /https?:\/\/[^\s<>"')\]]+/g;

/** The text with its addresses as links. */
function Linkified({ text }: { text: string }) {
  const parts: Array<string | { url: string }> = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const index = match.index ?? 0;
    parts.push(text.slice(last, index), { url: match[0] });
    last = index + match[0].length;
  }
  parts.push(text.slice(last));
  return (
    <pre className="email-text">
      {parts.map((part, i) => (typeof part === "string" ? <Fragment key={i}>{part}</Fragment> : <a key={i} href={part.url}>{part.url}</a>))}
    </pre>
  );
}

export function MailboxEmailPage() {
  const { emailId = "" } = useParams();
  const resource = useResource(() => api.mailboxEmail(emailId), emailId);
  const email = resource.data?.email;
  usePageTitle(email?.subject ?? "Email");
  const crumbs = [{ label: "Development mailbox", to: "/dev/mailbox" }];

  if (!email && resource.loading) {
    return (
      <>
        <PageHeader breadcrumbs={[...crumbs, { label: "Email" }]} title="Email" />
        <LoadingState label="Loading the email…" />
      </>
    );
  }
  if (!email) {
    if (resource.error instanceof ApiError && resource.error.status === 404) {
      return <NotFoundContent title="Email not found" text="This email is not in the development mailbox." backTo="/dev/mailbox" backLabel="Back to the mailbox" />;
    }
    return (
      <>
        <PageHeader breadcrumbs={[...crumbs, { label: "Email" }]} title="Email" />
        <ErrorState error={resource.error} onRetry={resource.reload} />
      </>
    );
  }

  const links = [...new Set(email.text.match(URL_PATTERN) ?? [])];
  return (
    <>
      <PageHeader breadcrumbs={[...crumbs, { label: email.subject }]} eyebrow={kindLabel(email.kind)} title={email.subject} />
      <section className="card" aria-labelledby="email-meta-heading">
        <h2 id="email-meta-heading" className="visually-hidden">
          Envelope
        </h2>
        <dl className="facts">
          <div className="fact">
            <dt>To</dt>
            <dd>{email.to}</dd>
          </div>
          <div className="fact">
            <dt>Status</dt>
            <dd>
              <EmailStatusBadge status={email.status} />
            </dd>
          </div>
          <div className="fact">
            <dt>Created</dt>
            <dd>{formatDateTime(email.createdAt)}</dd>
          </div>
          <div className="fact">
            <dt>Sent</dt>
            <dd>{formatDateTime(email.sentAt)}</dd>
          </div>
        </dl>
      </section>
      {links.length > 0 ? (
        <section className="card" aria-labelledby="email-links-heading">
          <div className="card-header">
            <h2 id="email-links-heading">Links in this email</h2>
          </div>
          <ul className="link-list">
            {links.map((url) => (
              <li key={url}>
                <a href={url}>{url}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="card" aria-labelledby="email-text-heading">
        <div className="card-header">
          <h2 id="email-text-heading">Text version</h2>
        </div>
        <Linkified text={email.text} />
      </section>
      <section className="card" aria-labelledby="email-html-heading">
        <div className="card-header">
          <h2 id="email-html-heading">HTML version</h2>
        </div>
        {/* Untrusted markup: an empty sandbox (no scripts, a unique origin), from a route whose own CSP blocks every request. */}
        <iframe className="email-html" sandbox="" src={`/api/v1/dev/mailbox/${encodeURIComponent(email.id)}/html`} title={`HTML version of ${email.subject}`} />
      </section>
    </>
  );
}
