// The app's routes on plain node:http: the pages, the sign-in round trip, its own API, and the
// endpoint where Latchkey ends sessions.
import type { IncomingMessage, ServerResponse } from "node:http";
import * as client from "openid-client";
import type { AppSettings } from "./config.ts";
import { finishSignIn, latchkeyConnection, LatchkeyUnreachable, refresh, signOutUrl, startSignIn, type Latchkey } from "./latchkey.ts";
import { errorPage, signedInPage, signedOutPage, STYLESHEET } from "./pages.ts";
import { SESSION_COOKIE, SessionStore, SIGN_IN_LIFETIME_MS, type AppSession, type CompanyRequest, type SignedIn } from "./sessions.ts";
import { bearerToken, createLogoutTokenVerifier, verifyAccessToken, type LogoutClaims, type Verified } from "./tokens.ts";

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Refresh this long before the access token expires, so that it does not expire on the way to the API. */
const REFRESH_MARGIN_MS = 30_000;
const MAX_BODY_BYTES = 16 * 1024;

export function createPlatformApp(settings: AppSettings, log: (line: string) => void = console.log): Handler {
  const latchkey = latchkeyConnection(settings);
  const sessions = new SessionStore();
  let verifyLogoutToken: ((token: string) => Promise<Verified<LogoutClaims>>) | null = null;
  const secureCookie = settings.appUrl.protocol === "https:";
  const headers = {
    "content-security-policy": `default-src 'none'; style-src 'self'; form-action 'self' ${settings.issuer.origin}; frame-ancestors 'none'; base-uri 'none'`,
    "x-content-type-options": "nosniff",
    // The callback URL carries the authorization code: never in a Referer to another site. (no-referrer
    // would also make the browser send `Origin: null` with this app's own forms, which the origin check refuses.)
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
  };

  const send = (response: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    response.writeHead(status, { ...headers, "content-type": type, ...extra });
    response.end(body);
  };
  const html = (response: ServerResponse, status: number, body: string) => send(response, status, "text/html; charset=utf-8", body);
  const json = (response: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => send(response, status, "application/json", JSON.stringify(body), extra);
  const redirect = (response: ServerResponse, location: string, session?: AppSession) => {
    response.writeHead(303, { ...headers, location, ...(session ? { "set-cookie": sessionCookie(session.id, secureCookie) } : {}) });
    response.end();
  };
  const sessionOf = (request: IncomingMessage) => sessions.find(readCookie(request, SESSION_COOKIE));

  /** A valid access token for the session, refreshed when it is about to expire; null once Latchkey has ended the sign-in. */
  const freshTokens = async (session: AppSession, connection: Latchkey): Promise<SignedIn | null> => {
    const user = session.user;
    if (!user) return null;
    if (user.accessTokenExpiresAt - REFRESH_MARGIN_MS > Date.now()) return user;
    // One refresh per session at a time: the second caller waits for the first one's tokens.
    session.refreshing ??= refresh(connection, settings, user)
      .then((renewed) => {
        if (renewed) session.user = renewed;
        else {
          delete session.user;
          session.notice = { tone: "info", text: "Your Latchkey sign-in has ended. Sign in again to continue." };
        }
        return renewed;
      })
      .finally(() => {
        delete session.refreshing;
      });
    return session.refreshing;
  };

  const routes: Record<string, Handler> = {
    "GET /": async (request, response) => {
      const session = sessionOf(request);
      const notice = session?.notice;
      const apiResult = session?.apiResult;
      if (session) {
        delete session.notice;
        delete session.apiResult;
      }
      html(response, 200, session?.user ? signedInPage(session.user, notice, apiResult) : signedOutPage(notice, session?.lastCompany));
    },

    "GET /style.css": async (_request, response) => send(response, 200, "text/css; charset=utf-8", STYLESHEET, { "cache-control": "public, max-age=300" }),

    "POST /login": async (request, response) => {
      const form = await readForm(request);
      const connection = await latchkey();
      const session = sessionOf(request) ?? sessions.start();
      const { url, pending } = await startSignIn(connection, settings, companyRequest(form.get("company")));
      session.pending = pending;
      redirect(response, url.href, session);
    },

    "GET /callback": async (request, response) => {
      const session = sessionOf(request);
      const pending = session?.pending;
      if (!session || !pending || pending.startedAt + SIGN_IN_LIFETIME_MS < Date.now()) {
        return html(response, 400, errorPage("Sign-in not recognised", "This sign-in was not started from this browser, or took too long. Start again from the home page."));
      }
      // Used once: a second visit to the same callback URL finds nothing to complete.
      delete session.pending;
      const callbackUrl = new URL(request.url ?? "/", settings.appUrl);
      try {
        const user = await finishSignIn(await latchkey(), pending, callbackUrl);
        const signedIn = sessions.rotate(session);
        signedIn.user = user;
        delete signedIn.apiResult;
        delete signedIn.lastCompany;
        log(`signed in: sub=${user.claims.sub} company=${user.claims.company_id ?? "-"} access=${user.claims.company_access ?? "-"}`);
        redirect(response, "/", signedIn);
      } catch (error) {
        if (error instanceof client.AuthorizationResponseError) {
          // Latchkey refused (the person cancelled, or may not act in the company asked for).
          return html(response, 400, errorPage("Latchkey did not sign you in", error.error_description ?? "The sign-in was refused.", `error: ${error.error}`));
        }
        log(`sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
        return html(response, 502, errorPage("The sign-in could not be completed", "Latchkey's answer could not be checked. Start again from the home page."));
      }
    },

    "POST /call-api": async (request, response) => {
      await readForm(request);
      const session = sessionOf(request);
      if (!session?.user) return redirect(response, "/");
      const user = await freshTokens(session, await latchkey());
      if (!user) return redirect(response, "/");
      // Server to server, as a backend calls another service: the access token never reaches the browser.
      const answer = await fetch(new URL("/api/me", settings.appUrl), { headers: { authorization: `Bearer ${user.accessToken}` } });
      const text = await answer.text();
      session.apiResult = { status: answer.status, body: prettyJson(text) };
      redirect(response, "/");
    },

    "GET /api/me": async (request, response) => {
      const token = bearerToken(request.headers.authorization);
      const challenge = `Bearer realm="platform-app"`;
      if (!token) return json(response, 401, { error: "unauthorized" }, { "www-authenticate": challenge });
      const connection = await latchkey();
      const result = await verifyAccessToken(token, { issuer: connection.issuer, audience: settings.apiAudience, keys: connection.keys });
      if (!result.ok) {
        log(`api: refused an access token (${result.reason})`);
        return json(response, 401, { error: "invalid_token" }, { "www-authenticate": `${challenge}, error="invalid_token"` });
      }
      const c = result.claims;
      json(response, 200, {
        sub: c.sub,
        client_id: c.client_id,
        scope: c.scope,
        company_id: c.company_id,
        company_role: c.company_role,
        company_access: c.company_access,
        home_company_id: c.home_company_id,
        expires_at: new Date((c.exp ?? 0) * 1000).toISOString(),
      });
    },

    "POST /logout": async (request, response) => {
      await readForm(request);
      const session = sessionOf(request);
      const user = session?.user;
      if (!session || !user) return redirect(response, "/");
      // This app's session ends here, whatever happens at Latchkey next.
      delete session.user;
      delete session.apiResult;
      session.notice = { tone: "info", text: "You have signed out." };
      redirect(response, signOutUrl(await latchkey(), settings, user).href, session);
    },

    "POST /backchannel-logout": async (request, response) => {
      const type = request.headers["content-type"] ?? "";
      const form = type.startsWith("application/x-www-form-urlencoded") ? await readForm(request) : new URLSearchParams();
      const token = form.get("logout_token");
      const connection = await latchkey();
      verifyLogoutToken ??= createLogoutTokenVerifier({ issuer: connection.issuer, clientId: settings.clientId, keys: connection.keys });
      const result = token ? await verifyLogoutToken(token) : ({ ok: false, reason: "no logout_token" } as const);
      if (!result.ok) {
        log(`back-channel logout refused: ${result.reason}`);
        return json(response, 400, { error: "invalid_request", error_description: "invalid logout token" });
      }
      const ended = sessions.endSignIns(result.claims);
      log(`back-channel logout: sid=${result.claims.sid ?? "-"} sub=${result.claims.sub ?? "-"}, ${ended} session(s) ended`);
      send(response, 200, "text/plain; charset=utf-8", "");
    },
  };

  return async (request, response) => {
    const path = new URL(request.url ?? "/", settings.appUrl).pathname;
    const route = routes[`${request.method} ${path}`];
    try {
      if (!route) return html(response, 404, errorPage("Page not found", "There is no page at this address."));
      // Forms post only from this app's own pages; the back-channel call comes from Latchkey's server, with no Origin.
      const origin = request.headers.origin;
      if (request.method === "POST" && path !== "/backchannel-logout" && origin !== undefined && origin !== settings.appUrl.origin) {
        return html(response, 403, errorPage("Refused", "This form was sent from another site."));
      }
      await route(request, response);
    } catch (error) {
      log(`error on ${request.method} ${path}: ${error instanceof LatchkeyUnreachable ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (response.headersSent) return void response.end();
      if (error instanceof BodyTooLarge) return html(response, 413, errorPage("Too large", "The request was too large."));
      if (error instanceof LatchkeyUnreachable) return html(response, 503, errorPage("Latchkey cannot be reached", "Signing in needs Latchkey, which did not answer. Try again in a moment."));
      html(response, 500, errorPage("Something went wrong", "The app could not complete this request."));
    }
  };
}

class BodyTooLarge extends Error {}

const COMPANY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function companyRequest(value: string | null): CompanyRequest {
  if (value === "select") return { kind: "select" };
  if (value && COMPANY_ID.test(value)) return { kind: "named", id: value };
  return { kind: "own" };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function sessionCookie(id: string, secure: boolean): string {
  // SameSite=Lax: the browser's return from Latchkey to /callback is a top-level navigation, which Lax lets carry the cookie.
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
