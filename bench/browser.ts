/**
 * A browser for load loops that autocannon cannot express: one keep-alive socket per simulated
 * user, a cookie jar that honours each cookie's Path, and every request timed to the microsecond.
 * Small on purpose: on two cores the load generator's CPU is part of every figure.
 */
import type { IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

interface Cookie {
  value: string;
  path: string;
}

/** What a browser keeps between requests of one sign-in: name → value, each sent only under its Path. */
export class CookieJar {
  #cookies = new Map<string, Cookie>();

  store(setCookie: string[] | undefined, requestPath: string): void {
    for (const line of setCookie ?? []) {
      const [pair = "", ...attributes] = line.split(";");
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      let path = requestPath.slice(0, requestPath.lastIndexOf("/")) || "/";
      let expired = false;
      for (const attribute of attributes) {
        const [key = "", val = ""] = attribute.split("=").map((part) => part.trim());
        const lower = key.toLowerCase();
        if (lower === "path" && val.startsWith("/")) path = val;
        else if (lower === "max-age" && Number(val) <= 0) expired = true;
        else if (lower === "expires" && Date.parse(val) <= Date.now()) expired = true;
      }
      if (expired || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, { value, path });
    }
  }

  header(requestPath: string): string {
    const path = requestPath.split("?")[0] ?? "/";
    const matches = (cookiePath: string) => cookiePath === "/" || path === cookiePath || path.startsWith(cookiePath.endsWith("/") ? cookiePath : `${cookiePath}/`);
    return [...this.#cookies].filter(([, cookie]) => matches(cookie.path)).map(([name, cookie]) => `${name}=${cookie.value}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)?.value;
  }

  clear(): void {
    this.#cookies.clear();
  }
}

interface Waiting {
  resolve(reply: Reply): void;
  reject(error: Error): void;
  started: number;
  timer: NodeJS.Timeout;
}

/**
 * One load-generator connection: requests go one after another over its single keep-alive socket.
 * HTTP/1.1 written and read by hand (a request line, headers, a body of Content-Length or chunks),
 * because node:http's client costs several times what autocannon does per request, and on two
 * cores that CPU would be taken from the server being measured.
 */
export class Connection {
  readonly base: URL;
  #socket: Socket | null = null;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: Waiting | null = null;

  constructor(base: string) {
    this.base = new URL(base);
  }

  send(method: "GET" | "POST", path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    if (this.#waiting) return Promise.reject(new Error("one request at a time on a connection"));
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${this.base.host}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    const socket = this.#connected();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`${method} ${path}: no answer within 30 s`)), 30_000);
      this.#waiting = { resolve, reject, started: performance.now(), timer };
      socket.write(`${lines.join("\r\n")}\r\n\r\n${body ?? ""}`);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #connected(): Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = connect({ host: this.base.hostname, port: Number(this.base.port) });
    socket.setNoDelay(true);
    this.#buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
      this.#parse();
    });
    socket.on("error", (error) => this.#fail(error));
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = null;
      this.#fail(new Error("the server closed the connection"));
    });
    this.#socket = socket;
    return socket;
  }

  #fail(error: Error): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = null;
    clearTimeout(waiting.timer);
    this.close();
    waiting.reject(error);
  }

  /** Answers the waiting request once its whole response is in the buffer. */
  #parse(): void {
    const waiting = this.#waiting;
    const end = this.#buffer.indexOf("\r\n\r\n");
    if (!waiting || end === -1) return;
    const [statusLine = "", ...headerLines] = this.#buffer.toString("latin1", 0, end).split("\r\n");
    const headers: IncomingHttpHeaders = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "set-cookie") (headers["set-cookie"] ??= []).push(value);
      else headers[name] = headers[name] === undefined ? value : `${String(headers[name])}, ${value}`;
    }
    let rest = this.#buffer.subarray(end + 4);
    let body: Buffer;
    if (String(headers["transfer-encoding"] ?? "").includes("chunked")) {
      const chunks: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf("\r\n");
        if (lineEnd === -1) return;
        const size = Number.parseInt(rest.toString("latin1", 0, lineEnd), 16);
        if (rest.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          rest = rest.subarray(lineEnd + 4);
          break;
        }
        chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        rest = rest.subarray(lineEnd + 2 + size + 2);
      }
      body = Buffer.concat(chunks);
    } else {
      const length = Number(headers["content-length"] ?? 0);
      if (rest.length < length) return;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    }
    this.#buffer = Buffer.from(rest);
    this.#waiting = null;
    clearTimeout(waiting.timer);
    if (String(headers.connection ?? "").toLowerCase() === "close") this.close();
    waiting.resolve({ status: Number(statusLine.split(" ")[1]), headers, body: body.toString("utf8"), ms: performance.now() - waiting.started });
  }
}
