import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { api } from "../api/endpoints.ts";
import { useSession } from "../session/session.tsx";

/** The way home from a linked company, in the product's words: always one click away while switched in. */
export function SwitchBack() {
  const { refresh } = useSession();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className="button button-small switched-banner-button"
      aria-disabled={busy || undefined}
      onClick={async () => {
        if (busy) return;
        setBusy(true);
        try {
          await api.switchBack();
          await refresh();
          navigate("/company/managed-companies");
        } catch {
          // The session may have ended or changed meanwhile: show whatever is true now.
          await refresh().catch(() => null);
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? "Switching…" : "Switch to original company"}
    </button>
  );
}

/** Under the header while switched in: whose data this is, and on whose behalf. */
export function SwitchedBanner({ acting, own }: { acting: string; own: string }) {
  return (
    <section className="switched-banner" aria-label="Linked company">
      <svg className="switched-banner-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M7 7h11l-3-3M17 17H6l3 3" />
      </svg>
      <p className="switched-banner-text">
        You are working in <strong>{acting}</strong> on behalf of <strong>{own}</strong>.
      </p>
      <SwitchBack />
    </section>
  );
}
