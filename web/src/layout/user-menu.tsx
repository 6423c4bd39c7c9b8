import { useCallback, useId, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { ApiError, messageOf } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import { ROLE_LABELS } from "../lib/format.ts";
import { useMe, useSession } from "../session/session.tsx";
import { useDismiss } from "../lib/use-dismiss.ts";

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((part) => part?.charAt(0).toUpperCase() ?? "").join("") || "?";
}

/** A disclosure button: Tab moves through its links, Escape closes it and returns to the button. */
export function UserMenu() {
  const me = useMe();
  const { signedOut } = useSession();
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const listId = useId();

  useDismiss(open, close, root, button);

  async function signOut() {
    setSigningOut(true);
    setError(null);
    try {
      await api.logout();
    } catch (failure) {
      // Only "no session" means signed out; anything else leaves a live session, so say so.
      if (!(failure instanceof ApiError && failure.status === 401)) {
        setError(`Could not sign out: ${messageOf(failure)}`);
        setSigningOut(false);
        return;
      }
    }
    signedOut("signed-out");
  }

  return (
    <div
      className="user-menu"
      ref={root}
      onBlur={(event) => {
        if (!root.current?.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button ref={button} type="button" className="user-menu-button" aria-expanded={open} aria-controls={listId} onClick={() => setOpen((value) => !value)}>
        <span className="avatar" aria-hidden="true">
          {initials(me.user.name)}
        </span>
        <span className="user-menu-who">
          <span className="visually-hidden">Account menu for </span>
          <span className="user-menu-name">{me.user.name}</span>
          <span className="user-menu-role">{ROLE_LABELS[me.user.role]}</span>
        </span>
        <svg className="chevron" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
          <path d="M5 8l5 5 5-5" />
        </svg>
      </button>
      <div id={listId} className="user-menu-panel" hidden={!open}>
        <p className="user-menu-email">{me.user.email}</p>
        <ul>
          <li>
            <Link to="/account" className="user-menu-item" onClick={() => setOpen(false)}>
              Account settings
            </Link>
          </li>
          <li>
            <button type="button" className="user-menu-item" onClick={signOut} disabled={signingOut}>
              {signingOut ? "Signing out…" : "Sign out"}
            </button>
          </li>
        </ul>
        {error ? (
          <p className="user-menu-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
    </div>
  );
}
