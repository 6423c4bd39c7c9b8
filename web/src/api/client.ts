/**
 * The one way the dashboard talks to /api/v1: cookies go along, every write carries the CSRF
 * token, and every refusal becomes an ApiError holding the server's `{ code, message }`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const BASE = "/api/v1";
const SAFE_METHODS = new Set(["GET", "HEAD"]);

let csrfToken: Promise<string> | null = null;
let onUnauthenticated: (() => void) | null = null;
let onNotFound: (() => void) | null = null;

/** The session layer decides what a lost session means (back to /login); the client only reports it. */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

/**
 * A 404 while switched into a linked company may mean the access ended (grant revoked, company
 * un-linked): the session layer checks which company the session acts for now.
 */
export function setNotFoundHandler(handler: (() => void) | null): void {
  onNotFound = handler;
}

function fetchCsrfToken(): Promise<string> {
  csrfToken ??= send<{ token: string }>("GET", "/csrf-token").then(
    (body) => body.token,
    (error: unknown) => {
      csrfToken = null;
      throw error;
    },
  );
  return csrfToken;
}

async function send<T>(method: string, path: string, body?: unknown, csrf?: string): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (csrf) headers["x-csrf-token"] = csrf;
  let response: Response;
  try {
    response = await fetch(path.startsWith("/interaction/") ? path : `${BASE}${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "NETWORK", "Could not reach Latchkey. Check your connection and try again.");
  }
  // The answer signed the browser in or out, which voids the token (it is bound to the session).
  if (response.headers.has("x-csrf-renew")) csrfToken = null;
  const payload: unknown = await response.json().catch(() => null);
  if (response.ok) return payload as T;
  const error = (payload as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  throw new ApiError(
    response.status,
    typeof error?.code === "string" ? error.code : "INTERNAL",
    typeof error?.message === "string" ? error.message : `The server answered ${response.status}. Try again.`,
    error?.details && typeof error.details === "object" ? (error.details as Record<string, unknown>) : undefined,
  );
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    if (SAFE_METHODS.has(method)) return await send<T>(method, path);
    try {
      return await send<T>(method, path, body, await fetchCsrfToken());
    } catch (error) {
      // The CSRF cookie can expire or be replaced in another tab: fetch a fresh token once and retry.
      if (!(error instanceof ApiError && error.code === "CSRF_INVALID")) throw error;
      csrfToken = null;
      return await send<T>(method, path, body, await fetchCsrfToken());
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && error.code === "UNAUTHENTICATED") onUnauthenticated?.();
    if (error instanceof ApiError && error.status === 404) onNotFound?.();
    throw error;
  }
}

/** A message for any thrown value, for places that show one line of error. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Try again.";
}

/**
 * The calls of an application's sign-in page (/interaction/:uid/…, outside /api/v1: the provider's
 * interaction cookie is scoped to that path). A 401 or 404 there is the page's to explain, not a
 * lost dashboard session.
 */
export async function interactionRequest<T>(method: string, path: `/interaction/${string}`, body?: unknown): Promise<T> {
  if (SAFE_METHODS.has(method)) return send<T>(method, path);
  try {
    return await send<T>(method, path, body, await fetchCsrfToken());
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "CSRF_INVALID")) throw error;
    csrfToken = null;
    return send<T>(method, path, body, await fetchCsrfToken());
  }
}
