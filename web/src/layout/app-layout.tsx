import { useEffect, useRef, type MouseEvent, type ReactNode } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import type { Me } from "../api/types.ts";
import { Notice } from "../components/notice.tsx";
import { useFocusOnNavigate } from "../lib/use-focus-on-navigate.ts";
import { useSession } from "../session/session.tsx";
import { CompanySwitcher } from "./company-switcher.tsx";
import { LogoMark } from "./logo.tsx";
import { SecondFactorNotice } from "./second-factor-notice.tsx";
import { SwitchedBanner } from "./switch-back.tsx";
import { UserMenu } from "./user-menu.tsx";

function skipToMain(event: MouseEvent) {
  event.preventDefault();
  document.getElementById("main")?.focus();
}

const navClass = ({ isActive }: { isActive: boolean }) => (isActive ? "nav-link nav-link-active" : "nav-link");

// The profile's other tabs (managed companies, team members with access) are still the company profile.
const PROFILE_PATHS = ["/company", "/company/users", "/company/managed-companies", "/company/team-members"];

/**
 * While switched into a linked company, access can end at any moment (grant revoked, un-linked):
 * the server then quietly acts for the member's own company. Each new page, a return to the tab,
 * and any 404 ask which company the session acts for, so the header never shows the wrong one;
 * if access ended, the member is taken to their own company's profile and told why.
 */
function useAccessWatch(me: Me | null) {
  const { verifyActingCompany, accessLost, dismissAccessLost } = useSession();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  // Where the notice is shown, and whether the page got there: the redirect is a transition, so
  // renders in between still see the old path, and only leaving the notice's page dismisses it.
  const shown = useRef<{ at: string; arrived: boolean } | null>(null);
  const switched = me?.actingCompany.switched ?? false;

  useEffect(() => {
    if (switched) void verifyActingCompany();
  }, [pathname, switched, verifyActingCompany]);

  useEffect(() => {
    if (!switched) return;
    const onFocus = () => void verifyActingCompany();
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [switched, verifyActingCompany]);

  useEffect(() => {
    if (!accessLost) {
      shown.current = null;
      return;
    }
    if (shown.current === null) {
      // Company pages showed the linked company's data: start again from the member's own profile.
      const target = pathname.startsWith("/company") ? "/company" : pathname;
      shown.current = { at: target, arrived: target === pathname };
      if (target !== pathname) navigate(target, { replace: true });
      return;
    }
    if (pathname === shown.current.at) shown.current.arrived = true;
    else if (shown.current.arrived) dismissAccessLost();
  }, [accessLost, pathname, navigate, dismissAccessLost]);

  return accessLost;
}

/**
 * The dashboard frame: product, acting company, user menu, navigation, and the page. Pages that
 * need no session (the development mailbox) use it signed out too, with a "Sign in" link instead.
 */
export function AppLayout({ children }: { children?: ReactNode }) {
  const { state, config } = useSession();
  useFocusOnNavigate();
  const me: Me | null = state.status === "signed-in" ? state.me : null;
  const accessLost = useAccessWatch(me);
  const { pathname } = useLocation();

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={skipToMain}>
        Skip to main content
      </a>
      <header className="topbar">
        <Link to={me ? "/company" : "/login"} className="brand">
          <LogoMark />
          <span>Latchkey</span>
        </Link>
        {me ? (
          <>
            <CompanySwitcher me={me} />
            <UserMenu />
          </>
        ) : (
          <Link to="/login" className="button topbar-button">
            Sign in
          </Link>
        )}
      </header>
      {me?.actingCompany.switched ? <SwitchedBanner acting={me.actingCompany.name} own={me.user.companyName} /> : null}
      <div className={me ? "shell" : "shell shell-public"}>
        {me ? (
          <nav aria-label="Main" className="sidenav">
            <ul>
              <li>
                <NavLink to="/company" end className={() => navClass({ isActive: PROFILE_PATHS.includes(pathname.replace(/\/+$/, "")) })}>
                  Company profile
                </NavLink>
              </li>
              <li>
                <NavLink to="/users" className={navClass}>
                  Users
                </NavLink>
              </li>
              {me.capabilities.viewAuditLog ? (
                <li>
                  <NavLink to="/audit-log" className={navClass}>
                    Audit log
                  </NavLink>
                </li>
              ) : null}
              {config.devMailbox ? (
                <li className="sidenav-separated">
                  <NavLink to="/dev/mailbox" className={navClass}>
                    Development mailbox
                  </NavLink>
                </li>
              ) : null}
            </ul>
          </nav>
        ) : null}
        <main id="main" tabIndex={-1} className="content">
          {accessLost ? (
            <Notice tone="warning" title={`You no longer have access to ${accessLost.companyName}`}>
              Your access to it ended, so you are back in {accessLost.ownCompanyName}.
            </Notice>
          ) : null}
          {me ? <SecondFactorNotice userId={me.user.id} /> : null}
          {children ?? <Outlet />}
        </main>
      </div>
      <footer className="footer">
        <span>Latchkey</span>
        <a href="/api/docs">API documentation</a>
      </footer>
    </div>
  );
}
