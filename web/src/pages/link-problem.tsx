import { Link } from "react-router-dom";
import type { LinkReason } from "../api/types.ts";

const EXPLANATIONS: Record<LinkReason, { title: string; text: string }> = {
  expired: { title: "This link has expired", text: "This link has expired. Links are valid for 24 hours." },
  used: { title: "This link was already used", text: "Each link works only once, and this one was already used to choose a password." },
  superseded: { title: "A newer link was sent", text: "A newer link was sent after this one, so this one no longer works. Use the link in the most recent email." },
  revoked: { title: "This link was cancelled", text: "An administrator cancelled this link, so it no longer works." },
  invalid: { title: "This link is not valid", text: "Check that you opened the whole link from the email; some mail programs split long links." },
};

/** What went wrong with an emailed link, and how to get one that works. */
export function LinkProblem({ reason, purpose }: { reason: LinkReason; purpose: "invite" | "reset" | null }) {
  const explanation = EXPLANATIONS[reason];
  const invite = purpose === "invite";
  const text = reason === "expired" && invite ? "This invitation link has expired." : explanation.text;
  return (
    <>
      <h1 tabIndex={-1}>{explanation.title}</h1>
      <div className="notice notice-warning" role="status">
        <div className="notice-body">
          <p>{text}</p>
        </div>
      </div>
      {reason === "used" ? (
        <p>
          Already chose a password? <Link to="/login">Sign in</Link>.
        </p>
      ) : null}
      <h2 className="h3">Get a new link</h2>
      <Link to="/forgot-password" className="button button-primary button-block">
        Request a new link
      </Link>
      <p className="muted">
        Or ask an administrator or manager of your company to send you a new {invite ? "invitation" : "password reset link"}.
      </p>
      <p className="form-footer">
        <Link to="/login">Back to sign in</Link>
      </p>
    </>
  );
}
