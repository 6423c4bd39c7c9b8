import type { App } from "../../src/app.ts";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/**
 * A browser-like client over `app.inject`: keeps cookies, fetches a CSRF token before a write
 * whenever its cookies changed since the last one (the token is bound to the session and its
 * secret, both replaced at sign-in and sign-out), and sends it the way the dashboard does.
 */
export class TestClient {
  readonly cookies = new Map<string, string>();
  #csrf: { token: string; cookies: string } | null = null;
  readonly #app: App;
  readonly #clientAddress: string;

  constructor(app: App, clientAddress = "127.0.0.1") {
    this.#app = app;
    this.#clientAddress = clientAddress;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** A copy that shares nothing with this client from now on (another browser holding the same cookies). */
  clone(): TestClient {
    const copy = new TestClient(this.#app, this.#clientAddress);
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }

  async csrfToken(): Promise<string> {
    if (this.#csrf?.cookies !== this.cookieHeader()) {
      const reply = await this.request("GET", "/api/v1/csrf-token");
      this.#csrf = { token: reply.body.token as string, cookies: this.cookieHeader() };
    }
    return this.#csrf.token;
  }

  get<T = any>(url: string, headers: Record<string, string> = {}) {
    return this.request<T>("GET", url, undefined, headers);
  }
  post<T = any>(url: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("POST", url, body, headers);
  }
  patch<T = any>(url: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("PATCH", url, body, headers);
  }
  put<T = any>(url: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("PUT", url, body, headers);
  }
  delete<T = any>(url: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("DELETE", url, body, headers);
  }

  async write<T>(method: string, url: string, body: unknown, headers: Record<string, string>) {
    const token = await this.csrfToken();
    return this.request<T>(method, url, body, { "x-csrf-token": token, ...headers });
  }

  async request<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const response = await this.#app.inject({
      method: method as "GET",
      url,
      remoteAddress: this.#clientAddress,
      headers: {
        ...(payload !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { payload } : {}),
    });
    for (const cookie of response.cookies as Array<{ name: string; value: string; maxAge?: number; expires?: Date }>) {
      const expired = cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() < Date.now()) || cookie.value === "";
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    let parsed: unknown = response.body;
    // A HEAD answer has the headers of its GET and no body.
    if (String(response.headers["content-type"] ?? "").includes("json") && response.body !== "") parsed = response.json();
    return { status: response.statusCode, body: parsed as T, headers: response.headers };
  }
}
