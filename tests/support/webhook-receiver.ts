import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  id: string;
  type: string;
  payload: Record<string, any>;
  /** The request's body as it arrived (what a signature covers). */
  body: string;
  headers: Record<string, string>;
  /** The secrets (of those given to the receiver) whose signature verified with Webhook.verify. */
  verifiedWith: string[];
  at: number;
}

/** How the receiver answers: 200, another status, never, a flood of bytes, or a redirect. */
export type ReceiverMode = { kind: "ok" } | { kind: "status"; status: number } | { kind: "hang" } | { kind: "huge"; bytes: number } | { kind: "redirect"; location: string };

/**
 * A real HTTP webhook receiver, as a platform's back end would write one: it verifies every request
 * with the standardwebhooks library (each secret it knows) and records it; unverified requests are
 * recorded too (verifiedWith empty) so a test can see them. Deduplication by id is the caller's.
 */
export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  attempts: number;
  /** Answers (huge mode) the sender hung up on before they were complete. */
  cutOff: number;
  /** Bytes of the last huge answer handed to the socket before it closed. */
  hugeBytesWritten: number;
  secrets: string[];
  mode: ReceiverMode;
  /** Verified deliveries, deduplicated by webhook id. */
  uniqueVerified(): ReceivedWebhook[];
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { port?: number; path?: string } = {}): Promise<WebhookReceiver> {
  const state = { attempts: 0, cutOff: 0, hugeBytesWritten: 0, mode: { kind: "ok" } as ReceiverMode, secrets: [] as string[] };
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      state.attempts += 1;
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      const mode = state.mode;
      if (mode.kind === "hang") {
        hanging.add(response);
        return;
      }
      if (mode.kind === "redirect") {
        response.writeHead(307, { location: mode.location }).end();
        return;
      }
      if (mode.kind === "status") {
        response.writeHead(mode.status).end("no");
        return;
      }
      const verifiedWith = state.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      let payload: Record<string, any> = {};
      try {
        payload = JSON.parse(body) as Record<string, any>;
      } catch {
        payload = {};
      }
      received.push({ id: headers["webhook-id"] ?? "", type: String(payload.type), payload, body, headers, verifiedWith, at: Date.now() });
      if (mode.kind === "huge") {
        response.writeHead(200, { "content-type": "application/octet-stream" });
        const block = Buffer.alloc(64 * 1024, 120);
        let sent = 0;
        const pump = () => {
          while (sent < mode.bytes) {
            sent += block.length;
            if (!response.write(block)) return void response.once("drain", pump);
          }
          response.end();
        };
        response.on("error", () => undefined);
        response.on("close", () => {
          if (!response.writableFinished) state.cutOff += 1;
          state.hugeBytesWritten = sent;
        });
        pump();
        return;
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? "/webhooks"}`,
    port,
    received,
    get attempts() {
      return state.attempts;
    },
    get cutOff() {
      return state.cutOff;
    },
    get hugeBytesWritten() {
      return state.hugeBytesWritten;
    },
    get secrets() {
      return state.secrets;
    },
    set secrets(value) {
      state.secrets = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value) {
      state.mode = value;
    },
    uniqueVerified() {
      const seen = new Map<string, ReceivedWebhook>();
      for (const r of received) if (r.verifiedWith.length > 0 && !seen.has(r.id)) seen.set(r.id, r);
      return [...seen.values()];
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met in ${timeoutMs} ms; received ${received.map((r) => r.type).join(", ") || "nothing"}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
