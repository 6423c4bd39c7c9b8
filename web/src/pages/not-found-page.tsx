import { Link } from "react-router-dom";
import { AppLayout } from "../layout/app-layout.tsx";
import { AuthLayout } from "../layout/auth-layout.tsx";
import { usePageTitle } from "../lib/use-page-title.ts";
import { useSession } from "../session/session.tsx";
import { LoadingState } from "../components/states.tsx";

interface ContentProps {
  title?: string;
  text?: string;
  backTo?: string;
  backLabel?: string;
}

export function NotFoundContent({ title = "Page not found", text = "There is no page at this address. It may have moved, or the link may be incomplete.", backTo = "/", backLabel = "Go to the dashboard" }: ContentProps) {
  usePageTitle(title);
  return (
    <div className="not-found">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1 tabIndex={-1}>{title}</h1>
      <p>{text}</p>
      <Link to={backTo} className="button button-primary">
        {backLabel}
      </Link>
    </div>
  );
}

/** Unknown addresses: inside the dashboard frame when signed in, the sign-in frame otherwise. */
export function NotFoundPage() {
  const { state } = useSession();
  if (state.status === "loading") {
    return (
      <div className="boot">
        <LoadingState label="Loading…" />
      </div>
    );
  }
  if (state.status === "signed-in") {
    return (
      <AppLayout>
        <NotFoundContent />
      </AppLayout>
    );
  }
  return (
    <AuthLayout>
      <NotFoundContent backTo="/login" backLabel="Go to sign in" />
    </AuthLayout>
  );
}
