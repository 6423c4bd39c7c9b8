import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { LoadingState } from "../components/states.tsx";
import { useSession } from "./session.tsx";

/** Sends a visitor without a session to /login, remembering where they were going. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === "loading") {
    return (
      <div className="boot">
        <LoadingState label="Loading Latchkey…" />
      </div>
    );
  }
  if (state.status === "signed-out") {
    // Someone who chose to leave starts afresh; someone whose session ended comes back where they were.
    if (state.reason === "signed-out") return <Navigate to="/login" replace state={{ signedOut: true }} />;
    if (state.reason === "company-deleted") return <Navigate to="/login" replace state={{ companyDeleted: true }} />;
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace state={{ sessionEnded: state.reason === "expired" }} />;
  }
  return children;
}

/** Only same-site paths: `next` comes from the address bar, so it must not send anyone elsewhere. */
export function safeNext(value: string | null, fallback = "/company"): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}
