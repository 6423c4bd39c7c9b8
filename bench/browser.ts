/**
 * A browser for load loops that autocannon cannot express: one keep-alive connection (node:http,
 * one socket) per simulated user, a cookie jar that honours each cookie's Path, and every request
 * timed to the microsecond. Small on purpose: on two cores the load generator's CPU is part of
 * every figure.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";

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

/** One load-generator connection: requests go one after another over its single socket. */
export class Connection {
  readonly base: URL;
  #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(base: string) {
    this.base = new URL(base);
  }

  send(method: "GET" | "POST", path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const outgoing = httpRequest(
        {
          agent: this.#agent,
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers: body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
          timeout: 30_000,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
          incoming.on("error", reject);
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
