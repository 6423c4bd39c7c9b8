import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError, setNotFoundHandler, setUnauthenticatedHandler } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import type { AppConfig, Me } from "../api/types.ts";

/** Why there is no session: it decides what the sign-in page says. */
export type SignedOutReason = "none" | "expired" | "signed-out" | "company-deleted";
export type SessionState = { status: "loading" } | { status: "signed-out"; reason: SignedOutReason } | { status: "signed-in"; me: Me };

/** A linked company the session stopped acting for without the user asking (grant revoked, un-linked). */
export interface AccessLost {
  companyName: string;
  ownCompanyName: string;
}

interface SessionValue {
  state: SessionState;
  config: AppConfig;
  /** Reads /auth/me again (after sign-in, or after a change to the user's name or company). */
  refresh: () => Promise<Me | null>;
  signedOut: (reason?: "signed-out" | "company-deleted") => void;
  /** While switched in: asks the server which company the session acts for now, and says so if that changed. */
  verifyActingCompany: () => Promise<void>;
  accessLost: AccessLost | null;
  dismissAccessLost: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

/** For pages behind RequireAuth, where a signed-in user is certain. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== "signed-in") throw new Error("useMe outside a signed-in page");
  return state.me;
}

async function loadMe(): Promise<Me | null> {
  try {
    return await api.me();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function SessionProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const [state, setRenderedState] = useState<SessionState>({ status: "loading" });
  // What the server last said, at once: a render can come later than the next response (a 404
  // arriving just after a check said access ended must not report it a second time).
  const current = useRef(state);
  const setState = useCallback((next: SessionState) => {
    current.current = next;
    setRenderedState(next);
  }, []);

  const refresh = useCallback(async () => {
    const me = await loadMe();
    setState(me ? { status: "signed-in", me } : { status: "signed-out", reason: "none" });
    return me;
  }, [setState]);

  const [accessLost, setAccessLost] = useState<AccessLost | null>(null);
  const signedOut = useCallback((reason: "signed-out" | "company-deleted" = "signed-out") => {
    setAccessLost(null);
    setState({ status: "signed-out", reason });
  }, [setState]);

  const dismissAccessLost = useCallback(() => setAccessLost(null), []);
  const verifying = useRef(false);
  const verifyActingCompany = useCallback(async () => {
    const before = current.current;
    if (before.status !== "signed-in" || !before.me.actingCompany.switched || verifying.current) return;
    verifying.current = true;
    try {
      const me = await loadMe();
      if (!me) {
        setState({ status: "signed-out", reason: "expired" });
        return;
      }
      if (me.actingCompany.id === before.me.actingCompany.id) return;
      setState({ status: "signed-in", me });
      if (!me.actingCompany.switched) setAccessLost((shown) => shown ?? { companyName: before.me.actingCompany.name, ownCompanyName: me.user.companyName });
    } catch {
      // Unreachable right now: the next page or request checks again.
    } finally {
      verifying.current = false;
    }
  }, [setState]);

  useEffect(() => {
    // A 401 on any call means the session ended (expired, revoked by a reset, company deleted).
    setUnauthenticatedHandler(() => {
      if (current.current.status === "signed-in") setState({ status: "signed-out", reason: "expired" });
    });
    // The server answers 404 for a linked company's data once access to it ended.
    setNotFoundHandler(() => void verifyActingCompany());
    refresh().catch(() => setState({ status: "signed-out", reason: "none" }));
    return () => {
      setUnauthenticatedHandler(null);
      setNotFoundHandler(null);
    };
  }, [refresh, verifyActingCompany]);

  const value = useMemo(
    () => ({ state, config, refresh, signedOut, verifyActingCompany, accessLost, dismissAccessLost }),
    [state, config, refresh, signedOut, verifyActingCompany, accessLost, dismissAccessLost],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
