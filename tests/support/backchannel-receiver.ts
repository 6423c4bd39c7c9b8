import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedLogout {
  logoutToken: string;
  at: number;
}

/** A real HTTP endpoint for back-channel logout: records what it receives, and can answer errors first. */
export interface BackchannelReceiver {
  url: string;
  received: ReceivedLogout[];
  /** The next `n` deliveries are answered 503. */
  failNext(n: number): void;
  /** Resolves when `count` tokens in all have been received. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedLogout[]>;
  attempts: number;
  close(): Promise<void>;
}

export async function startBackchannelReceiver(): Promise<BackchannelReceiver> {
  const received: ReceivedLogout[] = [];
  let failures = 0;
  let attempts = 0;
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      attempts += 1;
      if (failures > 0) {
        failures -= 1;
        response.writeHead(503).end();
        return;
      }
      const token = new URLSearchParams(body).get("logout_token");
      if (request.method !== "POST" || !token) {
        response.writeHead(400).end();
        return;
      }
      received.push({ logoutToken: token, at: Date.now() });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    received,
    get attempts() {
      return attempts;
    },
    failNext(n) {
      failures = n;
    },
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} back-channel logouts, received ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return received.slice(0, count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
