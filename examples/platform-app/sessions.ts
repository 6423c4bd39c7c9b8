// The app's own sessions: in memory, keyed by a random id in an HttpOnly cookie. A real
// application keeps them in its database or Redis, so that a logout token received by one
// instance ends the session on all of them; the shape stays the same.
import { randomBytes } from "node:crypto";

/** Its name must differ from Latchkey's cookies (latchkey_session, latchkey_csrf): on localhost, ports share cookies. */
export const SESSION_COOKIE = "platform_app_session";
const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const SIGN_IN_LIFETIME_MS = 10 * 60 * 1000;

/** What the app keeps between sending the browser to Latchkey and its return to /callback. */
export interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  startedAt: number;
}

/** Which company a sign-in asks Latchkey for: the person's own, a choice on Latchkey's page, or one by id. */
export type CompanyRequest = { kind: "own" } | { kind: "select" } | { kind: "named"; id: string };

export interface KnownCompany {
  id: string;
  name: string;
}

/** The claims Latchkey puts in the ID token (scopes openid, email, profile and company). */
export interface IdentityClaims {
  sub: string;
  sid?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  company_id?: string;
  company_name?: string;
  company_role?: string;
  company_access?: string;
  home_company_id?: string;
  home_company_name?: string;
  [claim: string]: unknown;
}

export interface SignedIn {
  claims: IdentityClaims;
  /** Latchkey's session id, from the ID token: a logout token names it. */
  sid: string | undefined;
  idToken: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string | undefined;
}

export interface Notice {
  tone: "info" | "error";
  text: string;
}

export interface ApiResult {
  status: number;
  body: string;
}

export interface AppSession {
  id: string;
  expiresAt: number;
  pending?: PendingSignIn;
  user?: SignedIn;
  /** Shown once on the next page. */
  notice?: Notice;
  apiResult?: ApiResult;
  /** The linked company a sign-in that Latchkey ended was acting in: the home page offers to go back to it. */
  lastCompany?: KnownCompany;
  /** The refresh in progress: Latchkey rotates refresh tokens, so a second concurrent refresh would look like theft. */
  refreshing?: Promise<SignedIn | null>;
}

export class SessionStore {
  readonly #sessions = new Map<string, AppSession>();

  start(): AppSession {
    this.#prune();
    const session: AppSession = { id: randomBytes(32).toString("base64url"), expiresAt: Date.now() + SESSION_LIFETIME_MS };
    this.#sessions.set(session.id, session);
    return session;
  }

  find(id: string | undefined): AppSession | null {
    if (!id) return null;
    const session = this.#sessions.get(id);
    if (!session) return null;
    if (session.expiresAt < Date.now()) {
      this.#sessions.delete(id);
      return null;
    }
    return session;
  }

  /** The same session under a new id: after signing in, an id planted before the sign-in is worth nothing. */
  rotate(session: AppSession): AppSession {
    this.#sessions.delete(session.id);
    const fresh = { ...session, id: randomBytes(32).toString("base64url"), expiresAt: Date.now() + SESSION_LIFETIME_MS };
    this.#sessions.set(fresh.id, fresh);
    return fresh;
  }

  drop(id: string): void {
    this.#sessions.delete(id);
  }

  /**
   * Ends the sign-ins a logout token names: those of Latchkey session `sid` when it is given (and of
   * `sub`, when both are), otherwise every sign-in of `sub`. The sessions stay, without their tokens,
   * so that the person's next page says why they were signed out. Returns how many ended.
   */
  endSignIns(logout: { sid?: string; sub?: string }): number {
    let ended = 0;
    for (const session of this.#sessions.values()) {
      const user = session.user;
      if (!user) continue;
      if (logout.sub !== undefined && user.claims.sub !== logout.sub) continue;
      if (logout.sid !== undefined && user.sid !== logout.sid) continue;
      delete session.user;
      delete session.apiResult;
      if (user.claims.company_access !== "member" && user.claims.company_id) session.lastCompany = { id: user.claims.company_id, name: user.claims.company_name ?? user.claims.company_id };
      session.notice = { tone: "info", text: "Latchkey ended your session (you signed out there, or your access changed). Sign in again to continue." };
      ended += 1;
    }
    return ended;
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, session] of this.#sessions) if (session.expiresAt < now) this.#sessions.delete(id);
  }
}
