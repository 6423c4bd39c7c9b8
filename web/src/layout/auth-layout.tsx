import type { ReactNode } from "react";
import { Link, Outlet } from "react-router-dom";
import { useFocusOnNavigate } from "../lib/use-focus-on-navigate.ts";
import { useSession } from "../session/session.tsx";
import { LogoMark } from "./logo.tsx";

/** The frame for pages reached without a session: sign in, register, emailed links. */
export function AuthLayout({ children }: { children?: ReactNode }) {
  const { config } = useSession();
  useFocusOnNavigate();
  return (
    <div className="auth">
      <header className="auth-header">
        <Link to="/login" className="brand brand-dark">
          <LogoMark />
          <span>Latchkey</span>
        </Link>
      </header>
      <main id="main" tabIndex={-1} className="auth-main">
        <div className="auth-card">{children ?? <Outlet />}</div>
      </main>
      <footer className="auth-footer">
        <span>Users, roles and passwords for your company.</span>
        {config.devMailbox ? (
          <>
            {" "}
            <Link to="/dev/mailbox">Development mailbox</Link>
          </>
        ) : null}
      </footer>
    </div>
  );
}
