import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** The repository root: `node src/main.ts` runs from here, as an operator would start it. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceOptions {
  /** DATABASE_URL or DATA_DIR, SMTP_URL and anything else the service should see. */
  env: Record<string, string>;
  /** Reuse a port (a restart keeps its address); a free one is picked otherwise. */
  port?: number;
  readyTimeoutMs?: number;
  /** Run another checkout of Latchkey (the previous release, in the rolling-upgrade test); this one by default. */
  root?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
// A test that fails half-way must not leave services running after the test process ends.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

const OUTPUT_LIMIT = 256 * 1024;

/**
 * The real service as a child process (`node src/main.ts`), on loopback and a port of its own.
 * Restarts keep the port and the environment, so clients and cookies carry over.
 */
export class ServiceProcess {
  readonly port: number;
  readonly url: string;
  readonly env: Record<string, string>;
  readonly #readyTimeoutMs: number;
  readonly #root: string;
  #child: ChildProcess | null = null;
  #exit: Promise<ExitInfo> | null = null;
  #output = "";

  constructor(options: ServiceOptions & { port: number }) {
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.#root = options.root ?? ROOT;
    this.env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(options.port),
      PUBLIC_URL: this.url,
      LOG_LEVEL: "warn",
      EMAIL_RETRY_DELAY: "1s",
      // Tests send many requests from 127.0.0.1; the limits under test live in the database.
      GLOBAL_RATE_LIMIT_PER_MINUTE: "0",
      // Through a pooler in transaction mode (scripts/pgbouncer-check.sh), the services run as it needs.
      ...(process.env.DATABASE_POOL_MODE ? { DATABASE_POOL_MODE: process.env.DATABASE_POOL_MODE } : {}),
      ...options.env,
    };
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return this.#child !== null && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Everything the process (and its earlier runs) wrote to stdout and stderr. */
  output(): string {
    return this.#output;
  }

  /** Spawns the process without waiting for it to be ready. */
  spawn(): void {
    if (this.alive) throw new Error(`the service on port ${this.port} is already running`);
    const child = spawn(process.execPath, ["src/main.ts"], { cwd: this.#root, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const collect = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.#exit = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
    this.#child = child;
  }

  /** Spawns the process and waits until /readyz answers 200. */
  async start(): Promise<void> {
    this.spawn();
    await this.waitUntilReady();
  }

  async waitUntilReady(timeoutMs = this.#readyTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the service exited before it was ready:\n${this.#output.slice(-4000)}`);
      try {
        const reply = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        if (reply.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`the service was not ready within ${timeoutMs} ms:\n${this.#output.slice(-4000)}`);
  }

  /** Resolves when the current run exits (at once when none is running). */
  async exited(): Promise<ExitInfo> {
    return this.#exit ?? { code: null, signal: null };
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.alive) this.#child?.kill(signal);
  }

  /** The crash: no clean-up runs, open transactions die with their connections. */
  async kill(): Promise<ExitInfo> {
    await this.signal("SIGKILL");
    return this.exited();
  }

  /** Graceful shutdown, as a process manager asks for it. */
  async terminate(): Promise<ExitInfo> {
    await this.signal("SIGTERM");
    return this.exited();
  }

  async restart(): Promise<void> {
    if (this.alive) await this.terminate();
    await this.start();
  }

  /** A browser-like client of this instance. */
  client(options: { clientAddress?: string } = {}): ServiceClient {
    return new ServiceClient(this.url, new CookieJar(), options.clientAddress);
  }
}

/** Starts `node src/main.ts` and waits until it is ready. */
export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const service = new ServiceProcess({ ...options, port: options.port ?? (await freePort()) });
  await service.start();
  return service;
}

export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1] ?? "") < Date.now()));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface ServiceReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  /** Wall time from sending the request to reading the whole answer. */
  ms: number;
}

/**
 * fetch with a cookie jar and the dashboard's CSRF handling: a token from GET /api/v1/csrf-token
 * (with its `latchkey_csrf` cookie) in the `x-csrf-token` header of every write, fetched again
 * whenever the cookies changed (the token is bound to the session and the secret).
 */
export class ServiceClient {
  readonly baseUrl: string;
  readonly jar: CookieJar;
  readonly #clientAddress: string | undefined;
  #csrf: { token: string; cookies: string } | null = null;

  constructor(baseUrl: string, jar: CookieJar, clientAddress?: string) {
    this.baseUrl = baseUrl;
    this.jar = jar;
    this.#clientAddress = clientAddress;
  }

  /** The same browser (cookies and CSRF token) talking to another instance. */
  on(service: ServiceProcess | string): ServiceClient {
    const copy = new ServiceClient(typeof service === "string" ? service : service.url, this.jar, this.#clientAddress);
    copy.#csrf = this.#csrf;
    return copy;
  }

  async csrfToken(): Promise<string> {
    if (this.#csrf?.cookies !== this.jar.header()) {
      const reply = await this.request("GET", "/api/v1/csrf-token");
      if (reply.status !== 200) throw new Error(`csrf-token answered ${reply.status}`);
      this.#csrf = { token: String(reply.body.token), cookies: this.jar.header() };
    }
    return this.#csrf.token;
  }

  get<T = any>(path: string, headers: Record<string, string> = {}) {
    return this.request<T>("GET", path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("POST", path, body, headers);
  }
  patch<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("PATCH", path, body, headers);
  }
  put<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("PUT", path, body, headers);
  }
  delete<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.write<T>("DELETE", path, body, headers);
  }

  async write<T>(method: string, path: string, body: unknown, headers: Record<string, string>) {
    const token = await this.csrfToken();
    return this.request<T>(method, path, body, { "x-csrf-token": token, ...headers });
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<ServiceReply<T>> {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(payload !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.jar.cookies.size ? { cookie: this.jar.header() } : {}),
        ...(this.#clientAddress ? { "x-forwarded-for": this.#clientAddress } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { body: payload } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    this.jar.store(response.headers.getSetCookie());
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, headers: response.headers, ms };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value other than undefined/false, or fails with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ""}`);
    await sleep(everyMs);
  }
}
